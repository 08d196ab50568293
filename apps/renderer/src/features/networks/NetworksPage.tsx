export function NetworksPage() {
  return (
    <section aria-labelledby="networks-title">
      <h1 id="networks-title">Networks</h1>
      <p>
        Creating, attaching and editing networks from here is on its way. Meanwhile the Topology page shows
        every network and what is attached to it, and <code>nova network</code> manages them.
      </p>
    </section>
  );
}
