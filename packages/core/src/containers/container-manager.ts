// The one place the CLI, main and the NovaFile engine go for containers: which engine to use (the
// user's choice, else Bolt, then Docker, then Podman), which engine runs a named container, and one
// stream of container events from every reachable engine.
import type { ContainerEvent } from '../contract/container-types.js';
import { NovaError } from '../contract/errors.js';
import type { ContainerSummary } from '../contract/helper/index.js';
import {
  ENGINE_NAMES,
  type EngineName,
  EngineName as EngineNameSchema,
  type SourceStatus,
} from '../model/instance.js';
import type { ContainerEngine, EngineNetworkEvent, EngineWatcher, EngineWatchStatus } from './engine.js';
import type { DiscoveredEngines } from './engine-discovery.js';

export interface EngineFinder {
  engines(): Promise<DiscoveredEngines>;
}

/** The engine the user chose in the environment (NOVA_ENGINE), if any. */
export function preferredEngineFromEnv(env: NodeJS.ProcessEnv = process.env): EngineName | undefined {
  const value = env['NOVA_ENGINE'];
  if (value === undefined || value === '') return undefined;
  const parsed = EngineNameSchema.safeParse(value);
  if (!parsed.success)
    throw new NovaError(
      'invalid-input',
      `NOVA_ENGINE is "${value}", which is not a container engine Nova knows`,
      `Set it to one of ${ENGINE_NAMES.join(', ')}, or unset it.`,
    );
  return parsed.data;
}

function problemMessage(problem: SourceStatus): string {
  if (problem.status === 'absent')
    return `${problem.id} is not running here (nothing at ${problem.endpoint})`;
  return problem.error?.message ?? `${problem.id} does not answer at ${problem.endpoint}`;
}

export interface LocatedContainer {
  engine: ContainerEngine;
  container: ContainerSummary;
}

/** Whether `ref` names this container: its name, its full id, or an id prefix of at least 4 digits. */
export function refersTo(ref: string, container: ContainerSummary): boolean {
  if (container.name === ref || container.containerId === ref) return true;
  return ref.length >= 4 && /^[0-9a-f]+$/.test(ref) && container.containerId.startsWith(ref);
}

export class ContainerManager {
  constructor(
    private readonly finder: EngineFinder,
    /** The user's choice (`--engine`, NOVA_ENGINE): used whenever nothing more specific is asked for. */
    private readonly preferred?: EngineName,
  ) {}

  engines(): Promise<DiscoveredEngines> {
    return this.finder.engines();
  }

  /**
   * The engine to use: the one named, else the user's choice, else the first reachable of Bolt, Docker
   * and Podman. Fails with the reason when that engine cannot be used.
   */
  async engine(name?: EngineName): Promise<ContainerEngine> {
    const wanted = name ?? this.preferred;
    const { engines, problems } = await this.finder.engines();
    if (wanted !== undefined) {
      const engine = engines.find((candidate) => candidate.engine === wanted);
      if (engine !== undefined) return engine;
      const problem = problems.find((candidate) => candidate.id === wanted);
      throw new NovaError(
        'backend-unavailable',
        problem === undefined ? `${wanted} cannot be reached from here` : problemMessage(problem),
        `Start ${wanted}, or choose another engine with --engine${
          engines.length > 0 ? ` (reachable: ${engines.map((e) => e.engine).join(', ')})` : ''
        }.`,
      );
    }
    const first = engines[0];
    if (first !== undefined) return first;
    throw new NovaError(
      'backend-unavailable',
      'no container engine answers here',
      `${problems.map(problemMessage).join('; ')}. Start Docker or Podman (or Bolt at tcp://127.0.0.1:2375).`,
    );
  }

  /**
   * Which engine runs the container `ref` (a name or an id): the named engine, or every reachable one.
   * A name found in two engines is ambiguous: the user says which with --engine.
   */
  async locate(ref: string, engineName?: EngineName): Promise<LocatedContainer> {
    const { engines, problems } = await this.finder.engines();
    const searched =
      engineName === undefined ? engines : engines.filter((engine) => engine.engine === engineName);
    if (engineName !== undefined && searched.length === 0) await this.engine(engineName);
    const found: LocatedContainer[] = [];
    const failures: string[] = [];
    await Promise.all(
      searched.map(async (engine) => {
        try {
          const containers = await engine.listContainers();
          const exact = containers.filter((c) => c.name === ref || c.containerId === ref);
          const matches = exact.length > 0 ? exact : containers.filter((c) => refersTo(ref, c));
          for (const container of matches) found.push({ engine, container });
        } catch (err) {
          failures.push(err instanceof Error ? err.message : String(err));
        }
      }),
    );
    if (found.length === 1 && found[0] !== undefined) return found[0];
    if (found.length > 1) {
      const where = found.map(
        (f) => `${f.engine.engine}: ${f.container.name} (${f.container.containerId.slice(0, 12)})`,
      );
      const engines = [...new Set(found.map((f) => f.engine.engine))];
      throw new NovaError(
        'conflict',
        `"${ref}" names more than one container: ${where.join(', ')}`,
        engines.length > 1
          ? `Say which engine: --engine ${engines[0] ?? 'docker'}.`
          : 'Give the full name or a longer id.',
      );
    }
    const unreachable = [
      ...failures,
      ...(engineName === undefined
        ? problems.filter((p) => p.status === 'unavailable').map(problemMessage)
        : []),
    ];
    throw new NovaError(
      'not-found',
      `no container "${ref}" in ${searched.length === 0 ? 'any engine' : searched.map((e) => e.engine).join(' or ')}`,
      unreachable.length > 0
        ? `Not searched: ${unreachable.join('; ')}.`
        : 'nova container list shows every container.',
    );
  }

  /**
   * Follows every reachable engine's container events until the returned function is called. Engines
   * that appear later (started after Nova) are picked up: Nova looks again every `rescanMs`.
   */
  watch(
    watcher: {
      event(event: ContainerEvent): void;
      status(status: EngineWatchStatus): void;
      network?(event: EngineNetworkEvent): void;
    },
    rescanMs = 10_000,
  ): () => void {
    const watching = new Map<string, () => void>();
    let stopped = false;
    const forward: EngineWatcher = {
      event: (event) => {
        if (!stopped) watcher.event(event);
      },
      status: (status) => {
        if (!stopped) watcher.status(status);
      },
      network: (event) => {
        if (!stopped) watcher.network?.(event);
      },
    };
    const scan = async () => {
      try {
        const { engines } = await this.finder.engines();
        for (const engine of engines) {
          const key = `${engine.engine} ${engine.endpoint} ${engine.via}`;
          if (stopped || watching.has(key)) continue;
          watching.set(key, engine.watch(forward));
        }
      } catch {
        // Looking for engines failed as a whole (it does not, short of a bug): try again later.
      }
    };
    void scan();
    const timer = setInterval(() => void scan(), rescanMs);
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
      for (const stop of watching.values()) stop();
      watching.clear();
    };
  }
}
