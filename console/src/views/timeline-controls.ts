/** The scrubber row both timelines share: step back, the range input, step forward, jumps to the notable events. */
import { h } from '../dom.js';

/** What the row drives: `go` to a revision, `jump` to the previous (-1) or next (1) notable event. */
export interface TimelineControls {
  readonly scrubber: HTMLInputElement;
  readonly go: (revision: number) => void;
  readonly jump: (direction: -1 | 1) => void;
  /** What the jump buttons jump to, e.g. `fault/recovery`. */
  readonly notable: string;
}

/** The controls row, with `extra` (the revision label, a fork button) after the buttons. */
export function timelineControls({ scrubber, go, jump, notable }: TimelineControls, ...extra: Node[]): HTMLDivElement {
  return h(
    'div',
    { class: 'timeline-controls' },
    h('button', { id: 'step-back', class: 'secondary', onclick: () => go(Number(scrubber.value) - 1) }, '◀ step'),
    scrubber,
    h('button', { id: 'step-forward', class: 'secondary', onclick: () => go(Number(scrubber.value) + 1) }, 'step ▶'),
    h('button', { id: 'prev-notable', class: 'secondary', onclick: () => jump(-1) }, `« ${notable}`),
    h('button', { id: 'next-notable', class: 'secondary', onclick: () => jump(1) }, `${notable} »`),
    ...extra,
  );
}
