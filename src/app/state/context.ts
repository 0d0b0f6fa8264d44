// The app's state objects, created once by App.svelte and handed to views through Svelte context
// (not module singletons, so each mount — and each test — gets its own).
import { getContext, setContext } from 'svelte';
import type { CreateState } from './create.svelte.ts';
import type { EngineState } from './engine.svelte.ts';
import type { GalleryState } from './gallery.svelte.ts';
import type { Router } from './route.svelte.ts';
import type { Settings } from './settings.svelte.ts';
import type { WorldState } from './world.svelte.ts';

export interface AppState {
  engine: EngineState;
  settings: Settings;
  gallery: GalleryState;
  create: CreateState;
  world: WorldState;
  router: Router;
}

const KEY = Symbol('tessera-app');

export function provideApp(state: AppState): void {
  setContext(KEY, state);
}

export function useApp(): AppState {
  const state = getContext<AppState | undefined>(KEY);
  if (!state) throw new Error('useApp() outside the App component');
  return state;
}
