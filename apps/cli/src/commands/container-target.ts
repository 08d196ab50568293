// What the container commands that change one engine object share: their options and how a located
// container is named to its engine.
import { ContainerRef, type ContainerSummary } from '@nova/core';

import type { EngineOption } from './engine-choice.js';
import type { TargetOptions } from './shared.js';

/** The options of a command that changes a container, network or volume (--time only for stop and restart). */
export type ChangeOptions = TargetOptions & EngineOption & { time?: string };

/** The name to hand the engine for a located container: its name, or its id if the name is unusual. */
export const refOf = (container: ContainerSummary): string =>
  ContainerRef.safeParse(container.name).success ? container.name : container.containerId;
