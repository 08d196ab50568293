// The only bridge between the sandboxed page and main: the contract's calls and events, nothing else.
//
// The preload is bundled on its own and imports nothing of the contract but its schema-free part
// (@nova/core/names), so it stays a few kilobytes. It checks that each name is spelled like a contract
// name and keeps the page to the `nova:` IPC channels; main registers a handler for each channel the
// contract declares and for nothing else (an unknown one is refused), checks the sender, and validates
// every input with the channel's schema.
import { IPC_EVENT_CHANNEL, IPC_PREFIX, isContractNameSpelling, type NovaBridge } from '@nova/core/names';
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const bridge: NovaBridge = {
  // The page is not trusted: whatever its types say, `channel` and `input` may be anything.
  invoke(channel: unknown, input: unknown) {
    if (!isContractNameSpelling(channel)) {
      const shown = typeof channel === 'string' ? channel.slice(0, 100) : typeof channel;
      return Promise.reject(new Error(`unknown channel "${shown}"`));
    }
    return ipcRenderer.invoke(`${IPC_PREFIX}${channel}`, input);
  },
  subscribe(listener) {
    const handler = (_event: IpcRendererEvent, name: unknown, payload: unknown): void => {
      if (isContractNameSpelling(name)) listener(name, payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('nova', bridge);
