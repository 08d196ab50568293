// The fields of the wizard's current step: one component per step.
import type { WizardStep } from '@nova/core';

import { AcceleratorStep } from './AcceleratorStep.js';
import { CloudInitStep } from './CloudInitStep.js';
import { DisksStep } from './DisksStep.js';
import { FirmwareStep } from './FirmwareStep.js';
import { NameStep } from './NameStep.js';
import { NetworkStep } from './NetworkStep.js';
import { ResourcesStep } from './ResourcesStep.js';
import { SourceStep } from './SourceStep.js';
import type { StepProps } from './step-props.js';

export function StepFields({ step, ...props }: StepProps & { step: WizardStep }) {
  switch (step) {
    case 'source':
      return <SourceStep {...props} />;
    case 'name':
      return <NameStep {...props} />;
    case 'resources':
      return <ResourcesStep {...props} />;
    case 'disks':
      return <DisksStep {...props} />;
    case 'network':
      return <NetworkStep {...props} />;
    case 'firmware':
      return <FirmwareStep {...props} />;
    case 'accelerator':
      return <AcceleratorStep {...props} />;
    case 'cloud-init':
      return <CloudInitStep {...props} />;
  }
}
