import { useCallback, useEffect, useState } from 'preact/hooks';
import { apiRequest } from './api.ts';

/**
 * Reads every page of an offset-paged list (the API caps a page's size): the first page
 * says the total and is shown at once, the others are asked for together. `pageOf` builds a page's path, `itemsOf` and
 * `totalOf` read an answer.
 */
export function useAllPages<Page, Item>(
  key: string | null,
  pageSize: number,
  pageOf: (offset: number, limit: number) => string,
  itemsOf: (page: Page) => Item[],
  totalOf: (page: Page) => number,
): { items: Item[] | undefined; error: Error | undefined; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ items: Item[] | undefined; error: Error | undefined; loading: boolean }>({ items: undefined, error: undefined, loading: key !== null });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true, error: undefined }));
    (async () => {
      const first = await apiRequest<Page>(pageOf(0, pageSize), { signal: controller.signal });
      const total = totalOf(first);
      // The first page is shown while the rest arrive.
      if (total > pageSize && !controller.signal.aborted) setState({ items: itemsOf(first), error: undefined, loading: true });
      const offsets: number[] = [];
      for (let offset = pageSize; offset < total; offset += pageSize) offsets.push(offset);
      const rest = await Promise.all(offsets.map((offset) => apiRequest<Page>(pageOf(offset, pageSize), { signal: controller.signal })));
      return [first, ...rest].flatMap(itemsOf);
    })().then(
      (items) => setState({ items, error: undefined, loading: false }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState({ items: undefined, error: error instanceof Error ? error : new Error(String(error)), loading: false });
      },
    );
    return () => controller.abort();
    // The key names what is read; the functions are the caller's way of reading it.
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}
