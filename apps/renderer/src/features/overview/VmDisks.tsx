import { type InstanceDetails, toErrorData } from '@nova/core';
import { useEffect, useState } from 'react';

import { useClient } from '../../shell/client-context.js';

/** The disks of a VM about to be deleted, so the dialog says which images are at stake. */
export function VmDisks({ id }: { id: string }) {
  const client = useClient();
  const [read, setRead] = useState<{ disks?: InstanceDetails['disks']; error?: string }>({});
  useEffect(() => {
    let gone = false;
    client.call('instances.details', { id }).then(
      ({ disks }) => {
        if (!gone) setRead({ disks });
      },
      (err: unknown) => {
        if (!gone) setRead({ error: toErrorData(err).message });
      },
    );
    return () => {
      gone = true;
    };
  }, [client, id]);
  if (read.error !== undefined) return <p className="muted">Its disks could not be read: {read.error}</p>;
  if (read.disks === undefined) return <p className="muted">Reading its disks…</p>;
  if (read.disks.length === 0) return <p>It has no disks.</p>;
  return (
    <>
      <p>Its disks:</p>
      <ul aria-label="Its disks">
        {read.disks.map((disk) => (
          <li key={`${disk.name} ${disk.source}`}>
            {disk.name}: {disk.source} ({disk.detail})
          </li>
        ))}
      </ul>
    </>
  );
}
