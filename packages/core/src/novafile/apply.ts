// Carrying a plan out, step by step, with progress; when a step fails, undoing what this run created.
import { type NovaErrorData, toErrorData } from '../contract/errors.js';
import type {
  ContainerSpec,
  DomainSpec,
  EngineNetworkSpec,
  HostBridgeSpec,
  NetworkSpec,
  PoolSpec,
  VolumeSpec,
} from '../contract/specs.js';
import type { EngineName } from '../model/instance.js';
import type { Plan, PlanStep } from './plan.js';
import { KVM_FAILED, withAccelerator } from './resolve.js';

/** Everything apply does to the host; the real one goes through the helper and the engines. */
export interface ApplyBackend {
  createHostBridge(spec: HostBridgeSpec, takeUplink: boolean): Promise<void>;
  deleteHostBridge(project: string, name: string): Promise<void>;
  defineNetwork(spec: NetworkSpec, autostart: boolean): Promise<void>;
  startNetwork(project: string, name: string): Promise<void>;
  setNetworkAutostart(project: string, name: string, autostart: boolean): Promise<void>;
  deleteNetwork(project: string, name: string): Promise<void>;
  definePool(spec: PoolSpec): Promise<void>;
  deletePool(project: string, name: string): Promise<void>;
  createVolume(project: string, spec: VolumeSpec): Promise<void>;
  resizeVolume(project: string, spec: VolumeSpec): Promise<void>;
  deleteVolume(project: string, pool: string, name: string): Promise<void>;
  defineDomain(spec: DomainSpec): Promise<{ created: boolean }>;
  startDomain(project: string, name: string): Promise<void>;
  stopDomain(project: string, name: string): Promise<void>;
  setDomainAutostart(project: string, name: string, autostart: boolean): Promise<void>;
  deleteDomain(project: string, name: string, removeVolumes: boolean): Promise<void>;
  createContainer(engine: EngineName | undefined, spec: ContainerSpec): Promise<void>;
  startContainer(engine: EngineName | undefined, project: string, name: string): Promise<void>;
  stopContainer(engine: EngineName | undefined, project: string, name: string): Promise<void>;
  removeContainer(engine: EngineName | undefined, project: string, name: string): Promise<void>;
  createEngineNetwork(engine: EngineName | undefined, spec: EngineNetworkSpec): Promise<void>;
  removeEngineNetwork(engine: EngineName | undefined, project: string, name: string): Promise<void>;
}

export type ApplyEvent =
  | {
      type: 'step';
      index: number;
      total: number;
      step: PlanStep;
      status: 'started' | 'done' | 'failed';
      error?: NovaErrorData;
      ms?: number;
    }
  | { type: 'rollback'; description: string; status: 'started' | 'done' | 'failed'; error?: NovaErrorData }
  | { type: 'note'; message: string };

export interface ApplyReport {
  ok: boolean;
  done: PlanStep[];
  failed?: { step: PlanStep; error: NovaErrorData };
  rolledBack: { description: string; ok: boolean; error?: NovaErrorData }[];
}

interface Undo {
  description: string;
  run: () => Promise<void>;
}

/**
 * Runs the steps in order. A step that fails stops the run, and what this run created is removed
 * again, newest first. What it changed or deleted is not undone: the report says what was done.
 */
export async function applyPlan(
  plan: Plan,
  backend: ApplyBackend,
  onEvent: (event: ApplyEvent) => void = () => undefined,
): Promise<ApplyReport> {
  const { project } = plan;
  const undo: Undo[] = [];
  const done: PlanStep[] = [];
  const total = plan.steps.length;

  for (const [index, step] of plan.steps.entries()) {
    onEvent({ type: 'step', index, total, step, status: 'started' });
    const started = Date.now();
    try {
      await runStep(project, step, backend, undo, (message) => {
        onEvent({ type: 'note', message });
      });
      done.push(step);
      onEvent({ type: 'step', index, total, step, status: 'done', ms: Date.now() - started });
    } catch (err) {
      const error = toErrorData(err);
      onEvent({ type: 'step', index, total, step, status: 'failed', error });
      const rolledBack: ApplyReport['rolledBack'] = [];
      for (const entry of undo.reverse()) {
        onEvent({ type: 'rollback', description: entry.description, status: 'started' });
        try {
          await entry.run();
          rolledBack.push({ description: entry.description, ok: true });
          onEvent({ type: 'rollback', description: entry.description, status: 'done' });
        } catch (undoErr) {
          const undoError = toErrorData(undoErr);
          rolledBack.push({ description: entry.description, ok: false, error: undoError });
          onEvent({ type: 'rollback', description: entry.description, status: 'failed', error: undoError });
        }
      }
      return { ok: false, done, failed: { step, error }, rolledBack };
    }
  }
  return { ok: true, done, rolledBack: [] };
}

async function runStep(
  project: string,
  step: PlanStep,
  backend: ApplyBackend,
  undo: Undo[],
  note: (message: string) => void,
): Promise<void> {
  const target = step.target;
  const { name } = step;
  switch (step.kind) {
    case 'bridge': {
      if (step.action === 'delete') return backend.deleteHostBridge(project, name);
      if (target?.kind !== 'bridge') break;
      // The user consented to the uplinks of the plan before apply began (see the CLI's --allow-uplink).
      await backend.createHostBridge(target.desired.spec, target.desired.spec.uplink !== undefined);
      undo.push({ description: `delete bridge ${name}`, run: () => backend.deleteHostBridge(project, name) });
      return;
    }
    case 'network': {
      if (step.action === 'delete') return backend.deleteNetwork(project, name);
      if (step.action === 'start') return backend.startNetwork(project, name);
      if (step.action === 'autostart' && target?.kind === 'autostart')
        return backend.setNetworkAutostart(project, name, target.autostart);
      if (target?.kind !== 'network') break;
      if (step.action === 'recreate') await backend.deleteNetwork(project, name);
      await backend.defineNetwork(target.desired.spec, target.desired.autostart);
      undo.push({ description: `delete network ${name}`, run: () => backend.deleteNetwork(project, name) });
      return;
    }
    case 'engine-network': {
      if (step.action === 'delete' && target?.kind === 'engine-network-delete')
        return backend.removeEngineNetwork(target.existing.engine, project, name);
      if (target?.kind !== 'engine-network') break;
      const { engine, spec } = target.desired;
      await backend.createEngineNetwork(engine, spec);
      undo.push({
        description: `delete ${engine ?? 'engine'} network ${name}`,
        run: () => backend.removeEngineNetwork(engine, project, name),
      });
      return;
    }
    case 'pool': {
      if (step.action === 'delete') return backend.deletePool(project, name);
      if (target?.kind !== 'pool') break;
      await backend.definePool(target.desired.spec);
      if (step.action === 'create')
        undo.push({
          description: `delete storage pool ${name}`,
          run: () => backend.deletePool(project, name),
        });
      return;
    }
    case 'volume': {
      if (target?.kind !== 'volume') break;
      const { spec } = target.desired;
      if (step.action === 'resize') return backend.resizeVolume(project, spec);
      await backend.createVolume(project, spec);
      undo.push({
        description: `delete disk image ${spec.pool}/${spec.name}`,
        run: () => backend.deleteVolume(project, spec.pool, spec.name),
      });
      return;
    }
    case 'vm': {
      if (step.action === 'delete') return backend.deleteDomain(project, name, true);
      if (step.action === 'autostart' && target?.kind === 'autostart')
        return backend.setDomainAutostart(project, name, target.autostart);
      if (target?.kind !== 'vm') break;
      if (step.action === 'start') {
        try {
          await backend.startDomain(project, name);
        } catch (err) {
          // accelerator = "auto" chose KVM, and KVM turned out not to work here: fall back to TCG.
          const message = err instanceof Error ? err.message : '';
          if (
            target.desired.spec.type !== 'kvm' ||
            target.desired.acceleratorNote !== 'kvm' ||
            !message.startsWith(KVM_FAILED)
          )
            throw err;
          note(`VM ${name}: ${message}; starting it under TCG instead (much slower)`);
          await backend.defineDomain(withAccelerator(target.desired.spec, 'qemu'));
          await backend.startDomain(project, name);
        }
        return;
      }
      if (step.action === 'stop') return backend.stopDomain(project, name);
      const { created } = await backend.defineDomain(target.desired.spec);
      if (created) {
        // Volumes are undone by their own steps.
        undo.push({
          description: `delete VM ${name}`,
          run: () => backend.deleteDomain(project, name, false),
        });
        if (target.desired.autostart) await backend.setDomainAutostart(project, name, true);
      }
      return;
    }
    case 'container': {
      if (step.action === 'delete' && target?.kind === 'container-delete')
        return backend.removeContainer(target.existing.engine, project, name);
      if (target?.kind !== 'container') break;
      const engine = target.desired.engine ?? target.existing?.engine;
      if (step.action === 'start') return backend.startContainer(engine, project, name);
      if (step.action === 'stop') return backend.stopContainer(engine, project, name);
      if (step.action === 'recreate' && target.existing !== undefined)
        await backend.removeContainer(target.existing.engine, project, name);
      await backend.createContainer(engine, target.desired.spec);
      undo.push({
        description: `remove container ${name}`,
        run: () => backend.removeContainer(engine, project, name),
      });
      return;
    }
  }
  throw new Error(`nothing knows how to ${step.action} ${step.kind} ${name}`);
}
