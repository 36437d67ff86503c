import { ApiRequestError } from '../api.ts';

/** An API error as the person can act on it: what went wrong, and where when the API says. */
export function ErrorNotice({ error, title = 'Something went wrong' }: { error: Error; title?: string }) {
  const issues = error instanceof ApiRequestError ? error.issues : [];
  const heading = error instanceof ApiRequestError && (error.status === 404 || error.status === 403) ? 'Not found, or not yours to see' : title;
  return (
    <div class="notice notice-error" role="alert">
      <strong>{heading}</strong>
      <p>{error.message}</p>
      {issues.length > 0 && (
        <ul>
          {issues.map((issue) => (
            <li key={issue.path + issue.message}>
              <code>{issue.path}</code>: {issue.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
