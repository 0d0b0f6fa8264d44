// Hash routing: #/create, #/inspect, #/world, #/gallery, #/models. The query (?prompt=...) is left
// to share links, so a link can carry both.

export const VIEWS = [
  { id: 'create', label: 'Create' },
  { id: 'inspect', label: 'Inspect' },
  { id: 'world', label: 'World Lab' },
  { id: 'gallery', label: 'Gallery' },
  { id: 'models', label: 'Models' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

const isView = (id: string): id is ViewId => VIEWS.some((view) => view.id === id);

export function viewFromHash(hash: string): ViewId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return isView(id) ? id : 'create';
}

export class Router {
  view = $state<ViewId>('create');
  readonly #onHashChange = () => (this.view = viewFromHash(location.hash));

  constructor() {
    this.view = viewFromHash(location.hash);
    addEventListener('hashchange', this.#onHashChange);
  }

  go(view: ViewId): void {
    if (location.hash !== `#/${view}`) location.hash = `#/${view}`;
    this.view = view;
  }

  destroy(): void {
    removeEventListener('hashchange', this.#onHashChange);
  }
}
