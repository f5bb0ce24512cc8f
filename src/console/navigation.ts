import { userIsAdmin } from '../admin/admin-guard';
import type { Session } from '../identity/session';
import type { IdentityDeps, Viewer } from '../identity/web-session';

/** Every page's navigation for a signed-in user: their own pages, then the admin pages for admins. */
export function createNavigation(options: { hub: boolean; playground: boolean }, identity: IdentityDeps) {
  return async (session: Session): Promise<Viewer> => {
    const links = [
      { href: '/account/apps', label: 'Apps', about: 'the clients you allowed, and revoking them' },
      { href: '/account/tokens', label: 'Tokens', about: 'personal access tokens for scripts and agents' },
      ...(options.hub
        ? [{ href: '/hub/connections', label: 'Connections', about: 'your accounts at the hub’s servers' }]
        : []),
      ...(options.playground
        ? [{ href: '/playground', label: 'Playground', about: 'call tools from the browser' }]
        : []),
    ];
    if (await userIsAdmin(identity, session.user.id)) {
      links.push(
        { href: '/admin/users', label: 'Users', about: 'who signed in, what they hold (admins)' },
        { href: '/admin/clients', label: 'Clients', about: 'the apps that connect (admins)' },
        { href: '/admin/audit', label: 'Audit', about: 'who did what (admins)' },
      );
      if (options.hub)
        links.push({
          href: '/admin/catalog',
          label: 'Catalog',
          about: 'the servers the hub offers (admins)',
        });
    }
    return { email: session.user.email, links };
  };
}
