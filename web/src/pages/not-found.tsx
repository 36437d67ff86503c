/** Any /app/ path no page answers. */
export function NotFoundPage() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. <a href="/app/">Go to the start page</a>.
      </p>
    </>
  );
}
