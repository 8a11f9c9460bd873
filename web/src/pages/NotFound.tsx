import { EmptyState } from '../components';
import { Link } from '../router';

export function NotFoundPage() {
  return (
    <>
      <h1 tabIndex={-1}>Page not found</h1>
      <EmptyState title="There is no console page at this address.">
        <p>
          Go to <Link to="/">who am I</Link> or pick a page from the menu.
        </p>
      </EmptyState>
    </>
  );
}
