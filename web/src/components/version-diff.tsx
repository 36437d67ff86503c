import { diffLines } from 'diff';
import './version-diff.css';

/** A line diff of two JSON documents, as an author reads a change: removed lines, then added ones, in place. */
export function VersionDiff({ before, after, label }: { before: unknown; after: unknown; label: string }) {
  const parts = diffLines(before === undefined ? '' : `${JSON.stringify(before, null, 2)}\n`, `${JSON.stringify(after, null, 2)}\n`);
  const unchanged = parts.every((part) => !part.added && !part.removed);
  return (
    <figure class="version-diff">
      <figcaption>{label}</figcaption>
      {unchanged ? (
        <p class="muted">The document is the same (only the state or the note changed).</p>
      ) : (
        <pre>
          {parts.flatMap((part, partIndex) =>
            part.value
              .replace(/\n$/, '')
              .split('\n')
              .map((line, lineIndex) => {
                const kind = part.added ? 'added' : part.removed ? 'removed' : 'same';
                return (
                  <span key={`${partIndex}-${lineIndex}`} class={`diff-line diff-${kind}`}>
                    <span class="diff-sign" aria-hidden="true">{part.added ? '+' : part.removed ? '−' : ' '}</span>
                    {kind !== 'same' && <span class="visually-hidden">{kind}: </span>}
                    {line}
                    {'\n'}
                  </span>
                );
              }),
          )}
        </pre>
      )}
    </figure>
  );
}
