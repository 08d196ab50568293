// How the tests and benchmarks launch Debian's Chromium (no browser is downloaded: the network here
// reaches only npm and Debian).
//
// Chromium honours only the last `--disable-features` switch it is given, and Playwright passes its
// own list first; so a list given here replaces Playwright's. It therefore repeats Playwright's list
// (playwright-core, server/chromium/chromiumSwitches.ts, 1.65) and adds what this Chromium (156) needs
// on top: it preloads the WebUI omnibox popup ("WebUI Top Renderer") in the background whenever a tab
// opens, which keeps a renderer busy for about a second on this 2-core lab — CPU taken from the page
// under test and from Nova's backend. Puppeteer disables the same two features by default.
const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
];
const NOVA_DISABLED_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup'];

export const chromiumLaunchOptions = {
  executablePath: process.env['NOVA_CHROMIUM'] ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...NOVA_DISABLED_FEATURES].join(',')}`,
  ],
};
