import { useState } from 'preact/hooks';
import { ScrollTable } from './scroll-table.tsx';
import { VersionDiff } from './version-diff.tsx';

/** One change of a rule or a journey, as GET /rules/{name} and GET /journeys/{name} list them. */
export interface DocumentVersion {
  version: number;
  change: string;
  definition: Record<string, unknown>;
  changedBy: string;
  changedAt: string;
  note: string | null;
}

/** A rule's or a journey's history, newest first, each version's diff against the one before it. */
export function VersionHistory({ history, of }: { history: DocumentVersion[]; of: 'rule' | 'journey' }) {
  const [shown, setShown] = useState<number | null>(null);
  const newestFirst = [...history].reverse();
  const shownIndex = shown === null ? -1 : history.findIndex((version) => version.version === shown);
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <ScrollTable label={`Versions of the ${of}, newest first`}>
        <table>
          <caption class="visually-hidden">Versions of the {of}, newest first</caption>
          <thead>
            <tr>
              <th scope="col" class="number">
                Version
              </th>
              <th scope="col">Change</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
              <th scope="col">Note</th>
              <th scope="col">
                <span class="visually-hidden">Diff</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {newestFirst.map((version) => (
              <tr key={version.version}>
                <td class="number">{version.version}</td>
                <td>{version.change}</td>
                <td>{version.changedBy}</td>
                <td>{new Date(version.changedAt).toLocaleString()}</td>
                <td>{version.note ?? <span class="muted">—</span>}</td>
                <td>
                  <button
                    type="button"
                    class="link-button"
                    aria-expanded={shown === version.version}
                    aria-controls="version-diff"
                    onClick={() => setShown(shown === version.version ? null : version.version)}
                  >
                    {shown === version.version ? 'Hide diff' : `Diff of version ${version.version}`}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
      <div id="version-diff">
        {shownIndex >= 0 && (
          <VersionDiff
            label={shownIndex === 0 ? `Version ${history[shownIndex]!.version} (the first)` : `Version ${history[shownIndex - 1]!.version} → ${history[shownIndex]!.version}`}
            before={shownIndex === 0 ? undefined : history[shownIndex - 1]!.definition}
            after={history[shownIndex]!.definition}
          />
        )}
      </div>
    </section>
  );
}
