import { RequestError } from './http-errors.js';
import { looksUtf16or32, parseUtf8Json } from './predict-body.js';

/**
 * The `/feedback` body, from bytes to its list of labels: `{"feedback": [{"prediction_id": "…",
 * "label": …}, …]}` in UTF-8 JSON. A body that is not that shape is the client's mistake (4xx);
 * each entry is judged on its own later (a bad entry is rejected with its index, the others are
 * accepted).
 */

/** The body's entries, as sent (each is checked by the feedback hub). */
export function parseFeedbackBody(bytes: Uint8Array, maxLabels: number): unknown[] {
  if (bytes.length === 0) throw new RequestError(400, 'invalid_body', 'The body is empty: send {"feedback": [{"prediction_id": "…", "label": …}]}.');
  if (looksUtf16or32(bytes)) throw new RequestError(415, 'unsupported_media_type', 'The body looks like UTF-16 or UTF-32: send application/json in UTF-8.');
  const body = parseUtf8Json(bytes, undefined, 'The body is not valid JSON.');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestError(400, 'invalid_body', 'The body must be a JSON object: {"feedback": [{"prediction_id": "…", "label": …}]}.');
  }
  for (const key of Object.keys(body)) {
    if (key !== 'feedback') throw new RequestError(400, 'unknown_field', `Unknown key ${JSON.stringify(key.slice(0, 60))} in the body: send only "feedback".`);
  }
  const entries = (body as { feedback?: unknown }).feedback;
  if (!Array.isArray(entries)) {
    throw new RequestError(400, 'invalid_body', 'The body needs "feedback": a list of {"prediction_id": "…", "label": …}.', { field: 'feedback' });
  }
  if (entries.length === 0) throw new RequestError(400, 'empty_feedback', '"feedback" is an empty list: send at least one label.', { field: 'feedback' });
  if (entries.length > maxLabels) {
    throw new RequestError(413, 'too_many_labels', `"feedback" has ${entries.length} labels; the limit is ${maxLabels} per request (feedback.max_labels_per_request).`, { field: 'feedback' });
  }
  return entries;
}
