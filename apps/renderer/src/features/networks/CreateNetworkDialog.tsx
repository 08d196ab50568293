// The create dialog: kind, name, subnet, gateway, DHCP range and uplink, checked as you type by the same
// validator `nova network create` uses (validateNewNetwork); each problem is shown at its field and tied
// to it (aria-describedby, aria-invalid). The backend checks again before it creates anything.
import {
  type NetworkField,
  type NetworkIssue,
  type NetworkListing,
  type NewNetwork,
  type NewNetworkType,
  validateNewNetwork,
} from '@nova/core';
import { type SyntheticEvent, useEffect, useId, useMemo, useRef, useState } from 'react';

type Backend = 'libvirt' | 'bolt' | 'docker' | 'podman';

interface Draft {
  type: NewNetworkType;
  backend: Backend;
  name: string;
  subnet: string;
  gateway: string;
  dhcpStart: string;
  dhcpEnd: string;
  uplink: string;
  autostart: boolean;
}

const EMPTY: Draft = {
  type: 'nat',
  backend: 'libvirt',
  name: '',
  subnet: '',
  gateway: '',
  dhcpStart: '',
  dhcpEnd: '',
  uplink: '',
  autostart: true,
};

function toNewNetwork(draft: Draft): NewNetwork {
  const optional = (key: 'subnet' | 'gateway' | 'dhcpStart' | 'dhcpEnd' | 'uplink') =>
    draft[key].trim() === '' ? {} : { [key]: draft[key].trim() };
  return {
    type: draft.type,
    name: draft.name.trim(),
    backend: draft.type === 'bridged' ? 'libvirt' : draft.backend,
    autostart: draft.autostart,
    ...optional('subnet'),
    ...optional('gateway'),
    ...optional('dhcpStart'),
    ...optional('dhcpEnd'),
    ...optional('uplink'),
  };
}

export function CreateNetworkDialog({
  listing,
  onCreate,
  onClose,
}: {
  listing: NetworkListing;
  /** Creates it; resolves to an error message when the backend refused. */
  onCreate: (network: NewNetwork) => Promise<string | undefined>;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const base = useId();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [touched, setTouched] = useState<ReadonlySet<NetworkField>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
    dialog.showModal();
    return () => {
      dialog.close();
      opener?.focus();
    };
  }, []);

  const check = useMemo(
    () =>
      validateNewNetwork(toNewNetwork(draft), {
        existing: listing.networks,
        occupied: listing.occupied,
        uplinks: listing.uplinks,
      }),
    [draft, listing],
  );
  const issues: NetworkIssue[] = check.ok ? [] : check.issues;
  const shown = (field: NetworkField) =>
    issues.filter((issue) => issue.field === field && (submitted || touched.has(field)));

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((current) => ({ ...current, [key]: value }));
    setFailure(undefined);
  };
  const touch = (field: NetworkField) => {
    setTouched((current) => new Set([...current, field]));
  };

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!check.ok) {
      const first = issues[0];
      if (first !== undefined) document.getElementById(`${base}-${first.field}`)?.focus();
      return;
    }
    setBusy(true);
    const refused = await onCreate(toNewNetwork(draft));
    setBusy(false);
    if (refused === undefined) onClose();
    else setFailure(refused);
  };

  const field = (
    name: NetworkField & keyof Draft,
    label: string,
    input: { placeholder?: string; hint?: string },
  ) => {
    const errors = shown(name);
    const id = `${base}-${name}`;
    const describedBy = [
      ...(input.hint === undefined ? [] : [`${id}-hint`]),
      ...(errors.length === 0 ? [] : [`${id}-error`]),
    ].join(' ');
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          value={draft[name]}
          placeholder={input.placeholder}
          aria-invalid={errors.length > 0 ? true : undefined}
          aria-describedby={describedBy === '' ? undefined : describedBy}
          onChange={(event) => {
            set(name, event.target.value);
          }}
          onBlur={() => {
            touch(name);
          }}
        />
        {input.hint === undefined ? null : (
          <span id={`${id}-hint`} className="field-hint">
            {input.hint}
          </span>
        )}
        {errors.length === 0 ? null : (
          <span id={`${id}-error`} className="field-error">
            {errors.map((issue) => `${issue.message}: ${lower(issue.hint)}`).join(' ')}
          </span>
        )}
      </div>
    );
  };

  const typeId = `${base}-type`;
  const backendId = `${base}-backend`;
  const uplinkId = `${base}-uplink`;
  const uplinkErrors = shown('uplink');
  const backendErrors = shown('backend');
  return (
    <dialog
      ref={ref}
      className="confirm-dialog network-dialog"
      aria-labelledby={`${base}-title`}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id={`${base}-title`}>Create a network</h2>
      <form noValidate onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor={typeId}>Kind</label>
          <select
            id={typeId}
            value={draft.type}
            onChange={(event) => {
              set('type', event.target.value as NewNetworkType);
            }}
          >
            <option value="nat">NAT: guests reach out through the host</option>
            <option value="isolated">Isolated: the host and its guests only</option>
            <option value="bridged">Bridged: on the LAN of a host interface</option>
          </select>
        </div>
        {field('name', 'Name', { placeholder: 'lab-nat' })}
        {draft.type === 'bridged' ? (
          <div className="field">
            <label htmlFor={uplinkId}>Uplink</label>
            <select
              id={uplinkId}
              value={draft.uplink}
              aria-invalid={uplinkErrors.length > 0 ? true : undefined}
              aria-describedby={`${uplinkId}-hint${uplinkErrors.length > 0 ? ` ${uplinkId}-error` : ''}`}
              onChange={(event) => {
                set('uplink', event.target.value);
                touch('uplink');
              }}
            >
              <option value="">Choose a host interface…</option>
              {listing.uplinks.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
            <span id={`${uplinkId}-hint`} className="field-hint">
              Its addresses and default route move to the new bridge.
            </span>
            {uplinkErrors.length === 0 ? null : (
              <span id={`${uplinkId}-error`} className="field-error">
                {uplinkErrors.map((issue) => `${issue.message}: ${lower(issue.hint)}`).join(' ')}
              </span>
            )}
          </div>
        ) : (
          <>
            <div className="field">
              <label htmlFor={backendId}>Made by</label>
              <select
                id={backendId}
                value={draft.backend}
                aria-invalid={backendErrors.length > 0 ? true : undefined}
                onChange={(event) => {
                  set('backend', event.target.value as Backend);
                }}
              >
                <option value="libvirt">libvirt (for VMs)</option>
                {listing.engines.map((engine) => (
                  <option key={engine} value={engine}>
                    {engine} (for containers)
                  </option>
                ))}
              </select>
            </div>
            {field('subnet', 'Subnet', { placeholder: '10.90.0.0/24', hint: 'IPv4, in CIDR form.' })}
            {field('gateway', 'Gateway', { hint: 'The host’s address on it; the first address if empty.' })}
            {draft.backend === 'libvirt' ? (
              <fieldset className="dhcp-range">
                <legend>DHCP range (the upper half of the subnet if empty)</legend>
                {field('dhcpStart', 'DHCP first address', { placeholder: '10.90.0.100' })}
                {field('dhcpEnd', 'DHCP last address', { placeholder: '10.90.0.200' })}
              </fieldset>
            ) : null}
          </>
        )}
        {draft.backend === 'libvirt' || draft.type === 'bridged' ? (
          <div className="field checkbox">
            <input
              id={`${base}-autostart`}
              type="checkbox"
              checked={draft.autostart}
              onChange={(event) => {
                set('autostart', event.target.checked);
              }}
            />
            <label htmlFor={`${base}-autostart`}>Start with the host</label>
          </div>
        ) : null}
        {failure === undefined ? null : (
          <div role="alert" className="problem">
            {failure}
          </div>
        )}
        {submitted && !check.ok ? (
          <p role="alert" className="field-error">
            {`${String(issues.length)} ${issues.length === 1 ? 'problem' : 'problems'} to fix before creating it.`}
          </p>
        ) : null}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create'}
          </button>
        </div>
      </form>
    </dialog>
  );
}

const lower = (text: string) => (text === '' ? text : `${text.charAt(0).toLowerCase()}${text.slice(1)}`);
