// The console's frame: a skip link, the header with who is signed in, the main navigation, and
// the page for the current path. Signed out, every path shows the sign-in form and stays where
// it is, so a reloaded or shared link opens its page after signing in.
import { useEffect, useRef, type ComponentType } from 'react';

import { clearinghouseRole } from './clearinghouse';
import { Loading } from './components';
import { canReadEvaluations, designationRoles } from './evaluations';
import { AssetPage, AssetsPage } from './pages/clearinghouse/Assets';
import { FindingPage, FindingsPage } from './pages/clearinghouse/Findings';
import { NoticesPage } from './pages/clearinghouse/Notices';
import { PortfolioPage } from './pages/clearinghouse/Portfolio';
import { EvaluationPage } from './pages/evaluations/Evaluation';
import { EvaluationsPage } from './pages/evaluations/Evaluations';
import { PoliciesPage } from './pages/evaluations/Policies';
import { SuitesPage } from './pages/evaluations/Suites';
import { GrantsPage } from './pages/Grants';
import { JobsPage } from './pages/Jobs';
import { LedgerPage } from './pages/Ledger';
import { NotFoundPage } from './pages/NotFound';
import { OrganizationsPage } from './pages/Organizations';
import { GatewayKeysPage, MyGrantsPage } from './pages/review/Access';
import { AlertsPage } from './pages/review/Alerts';
import { ContentPage } from './pages/review/Content';
import { ConcurrencesPage } from './pages/review/Concurrences';
import { DefensivePage } from './pages/review/Defensive';
import { InquiriesPage } from './pages/review/Inquiries';
import { ModelPage, ModelsPage } from './pages/review/Models';
import { WindowPage, WindowsPage } from './pages/review/Windows';
import { SignInPage } from './pages/SignIn';
import { TokensPage } from './pages/Tokens';
import { UsersPage } from './pages/Users';
import { WhoAmIPage } from './pages/WhoAmI';
import { reviewRole, type ReviewRole } from './review';
import { Link, matchPath, navigate, useLocation } from './router';
import { useSession } from './session';

interface Route {
  path: string;
  title: string;
  page: ComponentType<{ params: Record<string, string> }>;
}

const ROUTES: Route[] = [
  { path: '/', title: 'Who am I', page: WhoAmIPage },
  { path: '/organizations', title: 'Organizations', page: OrganizationsPage },
  { path: '/organizations/:orgId/users', title: 'Users', page: UsersPage },
  { path: '/tokens', title: 'API tokens', page: TokensPage },
  { path: '/users/:userId/tokens', title: 'API tokens', page: TokensPage },
  { path: '/grants', title: 'Grants', page: GrantsPage },
  { path: '/jobs', title: 'Jobs', page: JobsPage },
  { path: '/ledger', title: 'Ledger', page: LedgerPage },
  { path: '/review/models', title: 'Models', page: ModelsPage },
  { path: '/review/models/:modelId', title: 'Model', page: ModelPage },
  { path: '/review/inquiries', title: 'Inquiries', page: InquiriesPage },
  { path: '/review/windows', title: 'Access windows', page: WindowsPage },
  { path: '/review/windows/:windowId', title: 'Access window', page: WindowPage },
  { path: '/review/concurrences', title: 'Concurrences', page: ConcurrencesPage },
  { path: '/review/grants', title: 'My grants', page: MyGrantsPage },
  { path: '/review/keys', title: 'Gateway keys', page: GatewayKeysPage },
  { path: '/review/defensive', title: 'Defensive access', page: DefensivePage },
  { path: '/review/alerts', title: 'Alerts', page: AlertsPage },
  { path: '/review/content', title: 'Retained content', page: ContentPage },
  { path: '/evaluations', title: 'Evaluations', page: EvaluationsPage },
  { path: '/evaluations/policies', title: 'Threshold policies', page: PoliciesPage },
  { path: '/evaluations/suites', title: 'Suites', page: SuitesPage },
  { path: '/evaluations/:evaluationId', title: 'Evaluation', page: EvaluationPage },
  { path: '/clearinghouse/assets', title: 'Assets', page: AssetsPage },
  { path: '/clearinghouse/assets/:assetId', title: 'Asset', page: AssetPage },
  { path: '/clearinghouse/findings', title: 'Findings', page: FindingsPage },
  { path: '/clearinghouse/findings/:findingId', title: 'Finding', page: FindingPage },
  { path: '/clearinghouse/portfolio', title: 'Portfolio', page: PortfolioPage },
  { path: '/clearinghouse/notices', title: 'Notices', page: NoticesPage },
];

// The clearinghouse's pages for the side the signed-in organization is on.
const CLEARINGHOUSE_NAV = {
  operator: [
    { to: '/clearinghouse/notices', label: 'Notices' },
    { to: '/clearinghouse/assets', label: 'Assets' },
    { to: '/clearinghouse/findings', label: 'Findings' },
  ],
  clearinghouse: [
    { to: '/clearinghouse/portfolio', label: 'Portfolio' },
    { to: '/clearinghouse/findings', label: 'Findings' },
  ],
};

// Designation's pages, for people who may read evaluations (evaluators, directors, auditors).
const DESIGNATION_NAV = [
  { to: '/evaluations', label: 'Evaluations' },
  { to: '/evaluations/policies', label: 'Policies' },
  { to: '/evaluations/suites', label: 'Suites' },
];

// The review program's pages for the part the signed-in organization plays in it.
const REVIEW_NAV: Record<ReviewRole, { to: string; label: string }[]> = {
  lab: [
    { to: '/review/models', label: 'Models' },
    { to: '/review/inquiries', label: 'Inquiries' },
    { to: '/review/windows', label: 'Windows' },
    { to: '/review/defensive', label: 'Defensive access' },
    { to: '/review/alerts', label: 'Alerts' },
    { to: '/review/content', label: 'Retained content' },
  ],
  program_office: [
    { to: '/review/inquiries', label: 'Inquiries' },
    { to: '/review/windows', label: 'Windows' },
    { to: '/review/concurrences', label: 'Concurrences' },
    { to: '/review/defensive', label: 'Defensive access' },
    { to: '/review/alerts', label: 'Alerts' },
    { to: '/review/content', label: 'Retained content' },
  ],
  partner: [
    { to: '/review/grants', label: 'My grants' },
    { to: '/review/keys', label: 'Gateway keys' },
    { to: '/review/defensive', label: 'Defensive access' },
  ],
};

// A review link is current on its page and on the pages under it (a model, a window).
function currentIn(to: string, path: string): boolean {
  return path === to || path.startsWith(`${to}/`);
}

function resolve(path: string): { route: Route | null; params: Record<string, string> } {
  for (const route of ROUTES) {
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return { route: null, params: {} };
}

export function App() {
  const session = useSession();
  const { path } = useLocation();
  const { route, params } = resolve(path);

  useEffect(() => {
    if (session.status === 'signed-in' && path === '/sign-in') navigate('/', { replace: true });
  }, [session.status, path]);

  const signedIn = session.status === 'signed-in' && session.identity;
  const title = !signedIn ? 'Sign in' : route ? route.title : 'Page not found';
  const firstPage = useRef(true);
  useEffect(() => {
    document.title = `${title} · Bulwark console`;
    // After a navigation, move focus to the new page's heading so that keyboard and
    // screen-reader users land there; a fresh load starts at the top, at the skip link.
    if (firstPage.current) {
      firstPage.current = session.status === 'loading';
      return;
    }
    document.querySelector<HTMLElement>('main h1')?.focus({ preventScroll: true });
  }, [title, path, session.status]);

  if (session.status === 'loading') {
    return (
      <main id="main" className="page">
        <Loading what="your session" />
      </main>
    );
  }
  const Page = route?.page ?? NotFoundPage;
  const orgUsers = session.identity ? `/organizations/${session.identity.organization.id}/users` : '';
  const nav = [
    { to: '/', label: 'Who am I' },
    { to: '/organizations', label: 'Organizations' },
    { to: orgUsers, label: 'Users' },
    { to: '/tokens', label: 'API tokens' },
    { to: '/grants', label: 'Grants' },
    { to: '/jobs', label: 'Jobs' },
    { to: '/ledger', label: 'Ledger' },
  ];
  const reviewNav = session.identity ? REVIEW_NAV[reviewRole(session.identity.organization.kind)] : [];
  const designation = canReadEvaluations(designationRoles(session.identity));
  const chRole = session.identity ? clearinghouseRole(session.identity.organization.kind) : null;
  const clearinghouseNav = chRole ? CLEARINGHOUSE_NAV[chRole] : [];
  // An evaluation's page is under Evaluations; Policies and Suites are their own.
  const designationCurrent = (to: string) =>
    to === '/evaluations'
      ? path === to || (path.startsWith('/evaluations/') && !DESIGNATION_NAV.some((n) => n.to !== to && currentIn(n.to, path)))
      : currentIn(to, path);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="top">
        <span className="brand">Bulwark console</span>
        {signedIn && (
          <div className="who">
            <span>
              {session.identity!.user.display_name} · {session.identity!.organization.name}
            </span>
            <button type="button" onClick={() => void session.signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      {signedIn && (
        <nav className="main-nav" aria-label="Main">
          <ul>
            {nav.map((n) => (
              <li key={n.label}>
                <Link to={n.to} aria-current={n.to === path ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      )}
      {signedIn && (
        <nav className="main-nav review-nav" aria-labelledby="review-nav-title">
          <span id="review-nav-title" className="nav-title">
            Review program
          </span>
          <ul>
            {reviewNav.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={currentIn(n.to, path) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      )}
      {signedIn && clearinghouseNav.length > 0 && (
        <nav className="main-nav review-nav" aria-labelledby="clearinghouse-nav-title">
          <span id="clearinghouse-nav-title" className="nav-title">
            Clearinghouse
          </span>
          <ul>
            {clearinghouseNav.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={currentIn(n.to, path) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      )}
      {signedIn && designation && (
        <nav className="main-nav review-nav" aria-labelledby="designation-nav-title">
          <span id="designation-nav-title" className="nav-title">
            Designation
          </span>
          <ul>
            {DESIGNATION_NAV.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={designationCurrent(n.to) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main" className="page" tabIndex={-1}>
        {signedIn ? <Page params={params} /> : <SignInPage />}
      </main>
    </>
  );
}
