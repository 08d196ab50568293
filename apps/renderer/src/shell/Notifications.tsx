import { useNotifications } from './notifications.js';

export function Notifications() {
  const { notices, dismiss } = useNotifications();
  return (
    <div className="notices" aria-label="Notifications" role="region">
      {/* Two live regions: failures interrupt, the rest waits its turn. */}
      <div role="alert" className="notice-stack">
        {notices
          .filter((notice) => notice.kind === 'error')
          .map((notice) => (
            <NoticeCard key={notice.id} notice={notice} dismiss={dismiss} />
          ))}
      </div>
      <div role="status" className="notice-stack">
        {notices
          .filter((notice) => notice.kind !== 'error')
          .map((notice) => (
            <NoticeCard key={notice.id} notice={notice} dismiss={dismiss} />
          ))}
      </div>
    </div>
  );
}

function NoticeCard({
  notice,
  dismiss,
}: {
  notice: { id: number; kind: string; title: string; detail?: string };
  dismiss: (id: number) => void;
}) {
  return (
    <div className={`notice notice-${notice.kind}`}>
      <div className="notice-text">
        <strong>{notice.title}</strong>
        {notice.detail === undefined ? null : <div className="notice-detail">{notice.detail}</div>}
      </div>
      <button
        type="button"
        className="notice-close"
        aria-label={`Dismiss: ${notice.title}`}
        onClick={() => {
          dismiss(notice.id);
        }}
      >
        ×
      </button>
    </div>
  );
}
