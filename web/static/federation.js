// The account page's sign-in providers (docs/federation.md): the user's linked identities
// (GET /auth/me "identities"), "Remove" for each (POST /auth/federation/unlink: a recent
// sign-in, never the last way in - the server answers 409 and the page says why), and "Add"
// for each configured provider not linked yet (POST /auth/federation/{id}/link answers the
// provider's URL; the browser goes there and comes back to this page). The section stays hidden
// when the server has no provider and the user no identity. The step-up form ("Confirm it's
// you") also offers each linked provider: a fresh sign-in there (prompt=login, max_age=0, so
// the provider authenticates the user again) is a recent sign-in here, the way to step up for a
// user without a password.
import { ApiError, api, button, byId, cell, timeCell } from './api.js';

export function initFederation({ guarded, withStepUp, status }) {
  const section = byId('federation');

  function render(providers, identities) {
    const rows = identities.map((i) => {
      const tr = document.createElement('tr');
      tr.dataset.issuer = i.issuer;
      const name = i.name || i.issuer;
      const who = cell(i.sub);
      who.className = 'wrap';
      tr.append(cell(name), who, timeCell(i.linked_at));
      const actions = document.createElement('td');
      const b = button('Remove', 'revoke', (event) => unlink(i, event.currentTarget));
      b.setAttribute('aria-label', `Remove ${name}`);
      actions.append(b);
      tr.append(actions);
      return tr;
    });
    byId('identities-body').replaceChildren(...rows);
    byId('identity-count').textContent = String(identities.length);
    const linked = new Set(identities.map((i) => i.provider));
    const adds = providers
      .filter((p) => p.available && !linked.has(p.id))
      .map((p) =>
        button(`Add ${p.name}`, 'secondary', (event) => link(p, event.currentTarget)),
      );
    byId('federation-add').replaceChildren(...adds);
    const available = new Map(providers.filter((p) => p.available).map((p) => [p.id, p]));
    const confirm = identities
      .filter((i) => available.has(i.provider))
      .map((i) => {
        const a = document.createElement('a');
        a.href = `/auth/federation/${encodeURIComponent(i.provider)}/start?prompt=login&max_age=0`;
        a.textContent = `Confirm with ${available.get(i.provider).name}`;
        return a;
      });
    byId('step-up-provider-links').replaceChildren(...confirm);
    byId('step-up-providers').hidden = confirm.length === 0;
  }

  async function load() {
    const providers = (await api('GET', '/auth/federation/providers')).providers || [];
    const me = await api('GET', '/auth/me');
    section.hidden = providers.length === 0 && !(me.identities || []).length;
    render(providers, me.identities || []);
  }

  function link(provider, b) {
    b.disabled = true;
    return guarded(async () => {
      try {
        const body = await withStepUp(() =>
          api('POST', `/auth/federation/${encodeURIComponent(provider.id)}/link`),
        );
        window.location.assign(body.authorization_url);
      } finally {
        b.disabled = false;
      }
    });
  }

  function unlink(identity, b) {
    b.disabled = true;
    return guarded(
      async () => {
        try {
          await withStepUp(() =>
            api('POST', '/auth/federation/unlink', { issuer: identity.issuer, sub: identity.sub }),
          );
          status('Sign-in provider removed.');
        } finally {
          b.disabled = false;
        }
        await load();
      },
      (err) =>
        err instanceof ApiError && err.status === 409
          ? 'This is your only way to sign in: set a password or add a passkey first.'
          : undefined,
    );
  }

  return { load };
}
