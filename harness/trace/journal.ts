import { EventEmitter } from 'node:events';
import type { Exchange, ExchangeInput, Participant } from './exchange';
import { noteIssuedSecrets } from './issued-secrets';

/**
 * The ordered record of every exchange in one scenario. The step definitions say which
 * spec steps they are exercising (`exercise([5,6,7,8])`); every exchange recorded while
 * that holds is tagged with them, which is how checks and reports line the wire up with
 * the diagram's numbered arrows.
 */
export class Journal extends EventEmitter {
  private readonly items: Exchange[] = [];
  private currentSteps: number[] = [];
  private currentPhase: string | undefined;

  /** Mark the spec steps (and optionally the phase) that the following exchanges exercise. */
  exercise(steps: number[], phase?: string): void {
    this.currentSteps = [...steps];
    if (phase !== undefined) this.currentPhase = phase;
  }

  get steps(): number[] {
    return [...this.currentSteps];
  }

  /** The world clock, when the run moves one: each exchange notes its time (`worldAt`). */
  clock: (() => number) | undefined;

  record(input: ExchangeInput): Exchange {
    const ex: Exchange = {
      ...(this.clock ? { worldAt: this.clock() } : {}),
      ...input,
      seq: this.items.length + 1,
      steps: input.steps ?? [...this.currentSteps],
      phase: input.phase ?? this.currentPhase,
    };
    this.items.push(ex);
    noteIssuedSecrets(ex);
    this.emit('exchange', ex);
    return ex;
  }

  all(): readonly Exchange[] {
    return this.items;
  }

  /** Exchanges recorded after `seq` (exclusive): "what happened during this step". */
  since(seq: number): Exchange[] {
    return this.items.filter((e) => e.seq > seq);
  }

  get lastSeq(): number {
    return this.items.length;
  }

  between(from: Participant, to: Participant, sinceSeq = 0): Exchange[] {
    return this.items.filter((e) => e.seq > sinceSeq && e.from === from && e.to === to);
  }

  clear(): void {
    this.items.length = 0;
    this.currentSteps = [];
    this.currentPhase = undefined;
  }
}
