// Building blocks of the designation pages.
import { ErrorMessage } from '../../components';
import { explainEvaluationRule } from '../../evaluations';

// An error of the evaluations API, with the rule it names explained in words.
export function EvaluationError({ error, title }: { error: unknown; title: string }) {
  return <ErrorMessage error={error} title={title} hint={explainEvaluationRule(error)} />;
}
