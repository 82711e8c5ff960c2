/* job_json.h - jobs and timeline rows as the API shows them. */
#ifndef OCTO_JOB_JSON_H
#define OCTO_JOB_JSON_H

#include <jansson.h>

/* A job from its store row (borrowed) and, with detail, its timeline
 * rows (borrowed array, may be NULL). Returns a new object. */
json_t *octo_job_api_json(json_t *row, json_t *steps, int detail);
/* One timeline row (borrowed) as the API shows it (new). */
json_t *octo_job_step_api_json(json_t *row);

#endif
