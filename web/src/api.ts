// The one way pages talk to npsloop: its HTTP API, with the session cookie the browser holds.
// Changes carry the session's CSRF token; a 401 sends the person to sign in and back.

export interface ApiIssue {
  path: string;
  message: string;
  validValues?: string[];
}

/** An error answer of the API: its stable code, its message, and the issues at their paths. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: ApiIssue[] = [],
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export function signInPath(next = currentPath()): string {
  return `/app/sign-in?next=${encodeURIComponent(next)}`;
}

function currentPath(): string {
  return location.pathname + location.search;
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  /** Answer 401 by throwing instead of going to the sign-in page (the session check itself). */
  allowUnauthenticated?: boolean;
  signal?: AbortSignal;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const body: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    if (response.status === 401 && !options.allowUnauthenticated) location.assign(signInPath());
    const error = (body as { error?: { code?: string; message?: string; issues?: ApiIssue[] } } | undefined)?.error;
    throw new ApiRequestError(response.status, error?.code ?? 'http_error', error?.message ?? `${response.status} ${response.statusText}`, error?.issues ?? []);
  }
  return body as T;
}

/** A query string from the defined values only. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
