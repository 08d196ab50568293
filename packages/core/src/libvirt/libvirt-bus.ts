// Where libvirt-dbus answers on the system bus. Only the helper calls it (apps/helper/src/libvirt);
// unprivileged code needs these names to check that it is there (`nova diag`) and to watch it.
export const LIBVIRT_BUS_NAME = 'org.libvirt';
/** libvirt-dbus's object for qemu:///system; `/org/libvirt/Test` is the test driver. */
export const LIBVIRT_QEMU_PATH = '/org/libvirt/QEMU';
