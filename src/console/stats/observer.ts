// The statistics recorder as a listener on the pipeline's turn events (AppDeps.turnObservers).
import type { TurnMetrics } from '../../core/pipeline.ts';
import type { StatisticsPort } from './recorder.ts';

export function statisticsTurnObserver(port: StatisticsPort, clock: () => Date): TurnMetrics {
  return {
    onReading: (reading) => port.turn(reading),
    onHandoff: () => port.handoffStarted(clock()),
    onSurvey: (_channel, score) => port.survey(score, clock()),
  };
}
