import { useLocation } from 'preact-iso';
import { query } from '../api.ts';
import { ConditionExplanationTree, type ConditionExplanation } from '../components/condition-explanation.tsx';
import { ErrorNotice } from '../components/error-notice.tsx';
import { useSession } from '../session.ts';
import { useApi } from '../use-api.ts';
import './lists.css';
import { ScrollTable } from '../components/scroll-table.tsx';

// GET /lists and GET /lists/:name/members, as api/schemas/lists.ts answers them.
interface ListSummary {
  name: string;
  description: string | null;
  enabled: boolean;
  version: number;
  updatedAt: string;
  members: number;
}
interface ListMembers {
  list: Omit<ListSummary, 'members'>;
  members: Array<{
    user: { id: number; email: string; name: string | null; role: string | null; account: { id: number; name: string } };
    since: string;
    matches?: boolean;
    explanation?: ConditionExplanation;
  }>;
  page: { offset: number; limit: number; total: number; nextOffset: number | null };
}

const PAGE_SIZE = 50;

/** The rule-built lists with their member counts; a chosen list's members, each with why. */
export function ListsPage() {
  const { query: params, path, route } = useLocation();
  const session = useSession();
  const lists = useApi<{ lists: ListSummary[] }>('/lists');
  const chosen = params.list ?? null;
  const offset = Number(params.offset ?? 0) || 0;

  return (
    <>
      <h1>Lists</h1>
      {lists.error && <ErrorNotice error={lists.error} title="The lists could not be read" />}
      {lists.loading && !lists.data && <p role="status">Loading the lists…</p>}
      {lists.data && (
        <ScrollTable label="Lists and their members">
          <table>
            <caption class="visually-hidden">Lists and their members</caption>
            <thead>
              <tr>
                <th scope="col">List</th>
                <th scope="col">Description</th>
                <th scope="col" class="number">
                  Members
                </th>
                <th scope="col">State</th>
                {session.role === 'admin' && (
                  <th scope="col">
                    <span class="visually-hidden">Rule</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {lists.data.lists.map((list) => (
                <tr key={list.name} aria-current={list.name === chosen ? 'true' : undefined}>
                  <th scope="row">
                    <a href={`${path}${query({ list: list.name })}`}>{list.name}</a>
                  </th>
                  <td>{list.description ?? <span class="muted">—</span>}</td>
                  <td class="number">{list.members}</td>
                  <td>{list.enabled ? <span class="badge colour-green">enabled</span> : <span class="badge category-none">disabled</span>}</td>
                  {session.role === 'admin' && (
                    <td>
                      <a href={`/app/rules/${encodeURIComponent(list.name)}`} >
                        Edit rule<span class="visually-hidden"> of {list.name}</span>
                      </a>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
      {chosen && <ListMembersSection name={chosen} offset={offset} onPage={(next) => route(`${path}${query({ list: chosen, offset: next || undefined })}`)} />}
    </>
  );
}

function ListMembersSection({ name, offset, onPage }: { name: string; offset: number; onPage: (offset: number) => void }) {
  const members = useApi<ListMembers>(`/lists/${encodeURIComponent(name)}/members${query({ limit: PAGE_SIZE, offset: offset || undefined })}`);
  const page = members.data?.page;
  return (
    <section aria-labelledby="members-heading">
      <h2 id="members-heading">Members of {name}</h2>
      {members.error && <ErrorNotice error={members.error} title="The members could not be read" />}
      {members.loading && !members.data && <p role="status">Loading the members…</p>}
      {members.data && page && (
        <>
          <p class="muted">
            {page.total === 0
              ? 'Nobody is in this list.'
              : `${page.offset + 1}–${page.offset + members.data.members.length} of ${page.total}, as of the list's last refresh; each with why the rule holds for them now.`}
          </p>
          <ul class="member-list">
            {members.data.members.map((member) => (
              <li key={member.user.id} class="card">
                <a href={`/app/users/${member.user.id}`}>{member.user.name ?? member.user.email}</a>{' '}
                <span class="muted">
                  {member.user.email}, <a href={`/app/accounts/${member.user.account.id}`}>{member.user.account.name}</a>, in the list since{' '}
                  {new Date(member.since).toLocaleDateString()}
                </span>
                {member.matches === false && <p class="notice notice-warning">The rule no longer holds for them: the next refresh takes them out.</p>}
                {member.explanation && (
                  <details>
                    <summary>Why {member.user.name ?? member.user.email} is in the list</summary>
                    <ConditionExplanationTree explanation={member.explanation} />
                  </details>
                )}
              </li>
            ))}
          </ul>
          <div class="toolbar">
            {page.offset > 0 && (
              <button type="button" class="secondary" onClick={() => onPage(Math.max(0, page.offset - PAGE_SIZE))}>
                Previous members
              </button>
            )}
            {page.nextOffset !== null && (
              <button type="button" class="secondary" onClick={() => onPage(page.nextOffset!)}>
                Next members
              </button>
            )}
          </div>
        </>
      )}
    </section>
  );
}
