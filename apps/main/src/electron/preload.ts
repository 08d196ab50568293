// The only bridge between the sandboxed page and main: the contract's calls and events, nothing else.
import {
  CHANNEL_NAME_LIST,
  EVENT_NAME_LIST,
  IPC_EVENT_CHANNEL,
  IPC_PREFIX,
  type NovaBridge,
} from '@nova/core/names';
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const allowedChannels = new Set<string>(CHANNEL_NAME_LIST);
const allowedEvents = new Set<string>(EVENT_NAME_LIST);

const bridge: NovaBridge = {
  invoke(channel, input) {
    if (!allowedChannels.has(channel)) return Promise.reject(new Error(`unknown channel "${channel}"`));
    return ipcRenderer.invoke(`${IPC_PREFIX}${channel}`, input);
  },
  subscribe(listener) {
    const handler = (_event: IpcRendererEvent, name: unknown, payload: unknown): void => {
      if (typeof name === 'string' && allowedEvents.has(name)) listener(name, payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('nova', bridge);
