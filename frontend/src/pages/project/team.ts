/**
 * Team tab (managers): who did what over the last N days. A table per member (images sent
 * to review, boxes, tags, polygons and masks, how their work fared in review, what they reviewed, active time
 * and images per active hour), a stacked column chart of images done per day by person, and
 * the daily figures as CSV; gold-check scores per annotator and label; and the consensus
 * images (reviewers see only these). It refreshes when images change status (someone marks
 * one done, a reviewer decides).
 */
import { errorMessage } from "../../api/http";
import { quality } from "../../api/quality";
import { type DayStats, type MemberStats, team } from "../../api/team";
import { avatarColor } from "../../labeller/realtime/presence";
import { h, option, replaceChildren, svg } from "../../lib/dom";
import { formatCount, percent } from "../../lib/format";
import { axisTicks, dailySeries, dayRange, labelledDays, formatDuration, perHour } from "../../lib/team";
import type { ProjectContext } from "./context";
import { ConsensusCard } from "./team-consensus";
import { goldCard } from "./team-gold";

const REFRESH_MS = 1500; // after a burst of status changes

/** Stacked columns: one per day, one colour per person; hover a segment for its figure. */
function dailyChart(rows: DayStats[], days: string[]): HTMLElement {
  const s = dailySeries(rows, days);
  const width = 720, height = 180, left = 32, bottom = 22, top = 8;
  const plotW = width - left - 8, plotH = height - bottom - top;
  const colW = plotW / days.length;
  const scale = s.max > 0 ? plotH / s.max : 0;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "team-chart", role: "img", "aria-label": "Images done per day, by person", "data-testid": "team-daily-chart" });
  for (const tick of axisTicks(s.max)) {
    const y = top + plotH - tick * scale;
    chart.appendChild(svg("line", { x1: left, x2: width - 8, y1: y, y2: y, class: "grid" }));
    const label = svg("text", { x: left - 6, y: y + 4, class: "axis", "text-anchor": "end" });
    label.textContent = String(tick);
    chart.appendChild(label);
  }
  const labelled = labelledDays(days.length);
  days.forEach((day, i) => {
    let y = top + plotH;
    for (const [user, values] of s.byUser) {
      const v = values[i]!;
      if (!v) continue;
      const hgt = v * scale;
      y -= hgt;
      const rect = svg("rect", { x: left + i * colW + colW * 0.15, y, width: Math.max(1, colW * 0.7), height: hgt, fill: avatarColor(user), "data-testid": "team-bar" });
      const title = svg("title", {});
      title.textContent = `${user}: ${v} image${v === 1 ? "" : "s"} on ${day}`;
      rect.appendChild(title);
      chart.appendChild(rect);
    }
    if (labelled.has(i)) {
      const label = svg("text", { x: left + i * colW + colW / 2, y: height - 6, class: "axis", "text-anchor": "middle" });
      label.textContent = day.slice(5);
      chart.appendChild(label);
    }
  });
  const legend = h("div", { class: "team-legend" }, [...s.byUser.keys()].map((u) =>
    h("span", null, h("i", { style: `background:${avatarColor(u)}` }), u)));
  return h("div", { class: "team-chart-card" },
    h("h3", null, "Images done per day"),
    s.max === 0 ? h("p", { class: "muted" }, "Nobody has marked an image done in this window yet.") : chart,
    legend);
}

function memberTable(stats: MemberStats[]): HTMLElement {
  const head = ["Member", "Images done", "Boxes", "Tags", "Shapes", "Accepted", "Sent back", "Reviewed", "Active time", "Images / hour", "Gold agreement"];
  const num = (v: number): HTMLElement => h("td", { class: "num" }, formatCount(v));
  return h("table", { class: "team-table", "data-testid": "team-table" },
    h("thead", null, h("tr", null, head.map((t) => h("th", null, t)))),
    h("tbody", null, stats.map((m) => {
      const rate = perHour(m.images_done, m.active_seconds);
      return h("tr", { "data-user": m.username, "data-testid": "team-row" },
        h("td", null, h("span", { class: "team-dot", style: `background:${avatarColor(m.username)}` }), m.username,
          m.member ? null : h("small", { class: "muted" }, " (left)")),
        num(m.images_done), num(m.boxes), num(m.tags), num(m.shapes), num(m.accepted),
        h("td", { class: "num", title: m.rejection_rate === null ? "Nothing of theirs reviewed yet" : `${percent(m.rejection_rate)} of their reviewed images were sent back` },
          formatCount(m.rejected), m.rejection_rate === null ? null : h("small", { class: "muted" }, ` (${percent(m.rejection_rate)})`)),
        num(m.reviewed),
        h("td", { class: "num", title: "Measured in the labeller; idle minutes are not counted" }, formatDuration(m.active_seconds)),
        h("td", { class: "num" }, rate === null ? "—" : String(rate)),
        h("td", { class: "num", title: "Agreement with the reference labels of gold images hidden in their batches" },
          m.gold_agreement === null ? "—" : percent(m.gold_agreement)));
    })));
}

export function mountTeam(root: HTMLElement, ctx: ProjectContext): void {
  const consensus = new ConsensusCard(ctx);
  if (!ctx.canManage) { // a reviewer: the consensus images to merge
    replaceChildren(root, h("div", { class: "team-head" }, h("div", null, h("h2", null, "Team"),
      h("p", { class: "muted" }, "Images several annotators labelled independently, to compare and merge."))), consensus.el);
    void consensus.load();
    return;
  }
  const days = h("select", { "aria-label": "Window", "data-testid": "team-days" },
    option("7", "Last 7 days"), option("30", "Last 30 days"), option("90", "Last 90 days"));
  days.value = "30";
  const csv = h("a", { class: "button secondary small", "data-testid": "team-csv", download: "" }, "Download CSV");
  const body = h("div", { class: "team-body", "aria-busy": "true" }, h("p", { class: "muted" }, "Loading…"));
  replaceChildren(root,
    h("div", { class: "team-head" },
      h("div", null, h("h2", null, "Team"), h("p", { class: "muted" }, "What each person sent to review, drew and tagged, how it fared in review, and their active labelling time.")),
      h("span", { class: "spacer" }), days, csv),
    body);

  let loading = 0;
  const load = async (): Promise<void> => {
    const n = Number(days.value);
    const ticket = ++loading;
    csv.setAttribute("href", team.csvUrl(ctx.projectId, n));
    try {
      const [stats, daily, gold] = await Promise.all([team.stats(ctx.projectId, n), team.daily(ctx.projectId, n), quality.gold(ctx.projectId, n)]);
      if (ticket !== loading) return;
      const today = new Date();
      const last = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
      const lastDay = daily.reduce((m, r) => (r.day > m ? r.day : m), last);
      replaceChildren(body, memberTable(stats), dailyChart(daily, dayRange(lastDay, n)), goldCard(gold), consensus.el);
      void consensus.load();
    } catch (err) {
      replaceChildren(body, h("p", { class: "msg msg-error" }, `Could not load the team's figures: ${errorMessage(err)}`));
    } finally {
      body.removeAttribute("aria-busy");
    }
  };
  days.addEventListener("change", () => void load());
  let timer: number | null = null;
  ctx.socket.on("image.updated", () => {
    if (timer !== null || root.hidden) return;
    timer = window.setTimeout(() => {
      timer = null;
      void load();
    }, REFRESH_MS);
  });
  void load();
}
