export function TemplatesPage() {
  return (
    <section aria-labelledby="templates-title">
      <h1 id="templates-title">Templates</h1>
      <p>
        The template gallery is on its way. Meanwhile a NovaFile describes VMs and containers, and{' '}
        <code>nova apply</code> creates them.
      </p>
    </section>
  );
}
