import { type ThemeChoice, THEMES, useTheme } from '../../shell/theme.js';

const THEME_LABELS: Record<ThemeChoice, string> = {
  system: 'Follow the system',
  light: 'Light',
  dark: 'Dark',
  'high-contrast': 'High contrast',
};

export function SettingsPage() {
  const { choice, choose } = useTheme();
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <fieldset className="settings-group">
        <legend>Theme</legend>
        {THEMES.map((theme) => (
          <label key={theme} className="radio">
            <input
              type="radio"
              name="theme"
              value={theme}
              checked={choice === theme}
              onChange={() => {
                choose(theme);
              }}
            />
            {THEME_LABELS[theme]}
          </label>
        ))}
      </fieldset>
    </section>
  );
}
