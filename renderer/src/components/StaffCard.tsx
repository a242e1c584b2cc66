import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { TerminalView } from '../../../main/bridge/contract.js';

/** Memoised: the same staff member (one view's object) through a tap's pressed and dimmed renders. */
export const StaffCard = memo(function StaffCard({ staff, compact = false }: { staff: NonNullable<TerminalView['staff']>; compact?: boolean }) {
  const { t } = useTranslation();
  return (
    <div className={compact ? 'staff-card compact' : 'staff-card'}>
      {staff.photo ? (
        <img className="staff-photo" src={staff.photo} alt="" />
      ) : (
        <div className="staff-photo placeholder" aria-hidden="true">
          {staff.name.slice(0, 1)}
        </div>
      )}
      <div className="staff-text">
        <div className="staff-name">{staff.name}</div>
        <div className="staff-id">{t('serving.staffId', { id: staff.staffId })}</div>
        {staff.title && <div className="staff-title">{staff.title}</div>}
      </div>
    </div>
  );
});
