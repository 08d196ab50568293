// Schema-free names of ./wizard.ts's channels and events, for the preload (kept equal at compile time).
export const WIZARD_CHANNEL_NAMES = ['wizard.context', 'wizard.preview', 'wizard.run'] as const;
export const WIZARD_EVENT_NAMES = ['wizard.progress'] as const;
