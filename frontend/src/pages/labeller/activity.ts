/** Reports the person's active labelling time (labeller/core/activity.ts) to the server
 *  every half minute and when the tab is hidden; a failed report is dropped, not retried. */
import { team } from "../../api/team";
import { ActiveClock } from "../../labeller/core/activity";

const TICK_MS = 1000;
const REPORT_MS = 30_000;
const MAX_REPORT = 120; // the server's cap per report

export function reportActivity(projectId: number): void {
  const clock = new ActiveClock();
  const now = (): number => performance.now();
  const visible = (): boolean => document.visibilityState === "visible";
  const mark = (): void => clock.input(now());
  for (const type of ["pointerdown", "keydown", "wheel"]) document.addEventListener(type, mark, { capture: true, passive: true });
  document.addEventListener("pointermove", (e) => {
    if (e.buttons) mark(); // a drag (drawing, panning) is work; a hovering mouse is not
  }, { capture: true, passive: true });
  const report = (): void => {
    clock.tick(now(), visible());
    const seconds = Math.min(clock.take(), MAX_REPORT);
    if (seconds > 0) team.activity(projectId, seconds).catch(() => undefined);
  };
  window.setInterval(() => clock.tick(now(), visible()), TICK_MS);
  window.setInterval(report, REPORT_MS);
  document.addEventListener("visibilitychange", () => {
    if (!visible()) report();
  });
  mark(); // opening an image is using the labeller
  clock.tick(now(), true);
}
