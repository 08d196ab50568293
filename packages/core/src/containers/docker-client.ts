// The dockerode clients of one engine reached directly, shared by the parts of DockerEngine (containers,
// images, networks, volumes, statistics, events), which each take them as their first argument.
import type Docker from 'dockerode';

import type { EngineName } from '../model/instance.js';

export interface DockerClients {
  readonly engine: EngineName;
  /** Where the engine answers, as shown to the user (unix:///… or tcp://…). */
  readonly endpoint: string;
  /** Requests that answer at once (an idle reply past the timeout means the engine hangs). */
  readonly quick: Docker;
  /** Streams and calls that take as long as they take: events, follow, stop, pull, import, exec. */
  readonly slow: Docker;
}
