// Themes: follow the system (light or dark, and high contrast when it asks for more contrast or
// forces colours) unless the user picked one in Settings. The choice is kept in localStorage.
import { create } from 'zustand';

export const THEMES = ['system', 'light', 'dark', 'high-contrast'] as const;
export type ThemeChoice = (typeof THEMES)[number];
export type Theme = Exclude<ThemeChoice, 'system'>;

const STORAGE_KEY = 'nova.theme';

function stored(): ThemeChoice {
  try {
    const value = globalThis.localStorage.getItem(STORAGE_KEY);
    return THEMES.find((theme) => theme === value) ?? 'system';
  } catch {
    return 'system';
  }
}

function media(query: string): boolean {
  return typeof globalThis.matchMedia === 'function' && globalThis.matchMedia(query).matches;
}

/** The theme the system asks for now. */
function systemTheme(): Theme {
  if (media('(prefers-contrast: more)') || media('(forced-colors: active)')) return 'high-contrast';
  return media('(prefers-color-scheme: dark)') ? 'dark' : 'light';
}

function resolveTheme(choice: ThemeChoice): Theme {
  return choice === 'system' ? systemTheme() : choice;
}

interface ThemeState {
  choice: ThemeChoice;
  theme: Theme;
  choose: (choice: ThemeChoice) => void;
  /** The system's preference changed: follow it when the choice is `system`. */
  systemChanged: () => void;
}

export const useTheme = create<ThemeState>((set, get) => ({
  choice: stored(),
  theme: resolveTheme(stored()),
  choose(choice) {
    try {
      globalThis.localStorage.setItem(STORAGE_KEY, choice);
    } catch {
      // Private windows may refuse storage: the choice holds for this window only.
    }
    set({ choice, theme: resolveTheme(choice) });
  },
  systemChanged() {
    set({ theme: resolveTheme(get().choice) });
  },
}));

/** Applies the theme to <html data-theme> and follows the system's changes. */
export function applyTheme(): () => void {
  const apply = () => {
    document.documentElement.dataset['theme'] = useTheme.getState().theme;
  };
  apply();
  const unsubscribe = useTheme.subscribe(apply);
  const queries = ['(prefers-color-scheme: dark)', '(prefers-contrast: more)', '(forced-colors: active)'].map(
    (query) => globalThis.matchMedia(query),
  );
  const changed = () => {
    useTheme.getState().systemChanged();
  };
  for (const query of queries) query.addEventListener('change', changed);
  return () => {
    unsubscribe();
    for (const query of queries) query.removeEventListener('change', changed);
  };
}
