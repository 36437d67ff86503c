/** JSON over HTTP to the API process, with a bearer token; a non-2xx answer throws with its body. */
export type ApiCall = <T = unknown>(method: string, url: string, body?: unknown) => Promise<T>;

export function apiClient(baseUrl: string, token: string): ApiCall {
  return async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text.slice(0, 2000)}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
}
