import { Component, type ReactNode } from 'react';
import type { ScreenRegion } from '../../../main/bridge/contract.js';
import { useUi } from '../context.js';

interface Props {
  region: ScreenRegion;
  /** What stands in the region's place when it fails (nothing by default): never the five buttons' room. */
  fallback?: ReactNode;
  /** A new value (a new page, a new view of the region's data) tries the region again. */
  resetKey?: unknown;
  children: ReactNode;
}

interface Inner extends Props {
  report: (region: ScreenRegion, detail: string) => void;
}

/**
 * 不得干扰评价, and screens.md's "never a blank page": one part of the screen that throws while drawing (a field the
 * province sent in a shape nobody expected) takes only itself down. React unmounts the whole tree on an uncaught error,
 * which left the kiosk blank through Serving and Inviting, and again after a reload.
 */
class Boundary extends Component<Inner, { failed: boolean; key: unknown }> {
  override state = { failed: false, key: this.props.resetKey };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  static getDerivedStateFromProps(props: Inner, state: { failed: boolean; key: unknown }) {
    return Object.is(props.resetKey, state.key) ? null : { failed: false, key: props.resetKey };
  }

  override componentDidCatch(error: unknown): void {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.props.report(this.props.region, detail.slice(0, 200));
  }

  override render(): ReactNode {
    return this.state.failed ? (this.props.fallback ?? null) : this.props.children;
  }
}

export function RegionBoundary(p: Props) {
  const request = useUi((s) => s.request);
  const report = (region: ScreenRegion, detail: string) => void request({ type: 'screenProblem', region, problem: 'render-failed', detail });
  return <Boundary {...p} report={report} />;
}
