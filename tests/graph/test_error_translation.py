"""graph/errors.py turns domain errors, which name domain fields (snake_case) and a next step, into the
API's words: camelCase argument paths in `extensions.field` and the message, the operation to run."""

from __future__ import annotations

import graphql
import pytest
from graphql import GraphQLError

from domain.errors import BadInput, NextStep, NotFound
from domain.jobs import LineError
from domain.profile_import import Skipped
from graph.errors import NEXT_STEP_OPERATIONS, api_field, api_message, to_api_error
from graph.profiles import skipped_text
from graph.schema import export_sdl


def answered(error: Exception) -> GraphQLError:
    return to_api_error(GraphQLError(str(error), path=["rankContent"], original_error=error))


def test_a_snake_case_field_and_a_next_step_become_the_apis_words() -> None:
    ranked = answered(NotFound("This job has not been ranked yet", field="job_id", next_step=NextStep.RANK))
    assert ranked.message == "This job has not been ranked yet: run rankContent"
    assert ranked.extensions == {"code": "NOT_FOUND", "field": "jobId"}
    improved = answered(
        NotFound("No improvement yet for this resume and job", field="job_id", next_step=NextStep.IMPROVE)
    )
    assert improved.message == "No improvement yet for this resume and job: run improveResume"
    assert improved.extensions == {"code": "NOT_FOUND", "field": "jobId"}


def test_fields_named_in_the_message_are_spelled_as_the_api_spells_them() -> None:
    backwards = answered(
        BadInput("end_month cannot be before start_month", field="end_month", mentions=["start_month"])
    )
    assert backwards.message == "endMonth cannot be before startMonth"
    assert backwards.extensions == {"code": "BAD_USER_INPUT", "field": "endMonth"}
    prompt = answered(BadInput("custom_prompt must be at most 500 characters", field="custom_prompt"))
    assert (prompt.message, prompt.extensions) == (
        "customPrompt must be at most 500 characters",
        {"code": "BAD_USER_INPUT", "field": "customPrompt"},
    )


def test_only_the_errors_own_field_names_change() -> None:
    """User input quoted in a message stays as typed, even when it looks like a field name."""
    error = NotFound("No such job: job_ids_x and other_name", field="job_ids")
    assert api_message(error) == "No such job: job_ids_x and other_name"
    assert api_message(BadInput("job_ids must name between 1 and 10 jobs", field="job_ids")).startswith("jobIds must")


@pytest.mark.parametrize(
    ("domain", "api"),
    [("job_id", "jobId"), ("custom_prompt", "customPrompt"), ("links.0.url", "links.0.url"), ("ids", "ids")],
)
def test_field_paths_are_camel_cased_segment_by_segment(domain: str, api: str) -> None:
    assert api_field(domain) == api
    assert api_field("experiences.0.start_month") == "experiences.0.startMonth"


def test_domain_text_names_the_step_in_domain_words() -> None:
    error = NotFound("This job has not been ranked yet", field="job_id", next_step=NextStep.RANK)
    assert error.message == "This job has not been ranked yet"
    assert str(error) == f"This job has not been ranked yet: {NextStep.RANK.value}"
    assert "rankContent" not in str(error)


def test_every_next_step_names_a_mutation_of_the_schema() -> None:
    mutations = graphql.build_schema(export_sdl()).mutation_type
    assert mutations is not None
    assert set(NEXT_STEP_OPERATIONS) == set(NextStep)
    assert set(NEXT_STEP_OPERATIONS.values()) <= set(mutations.fields)


def test_results_that_carry_refusals_word_them_for_the_api() -> None:
    """importProfileFromResume's `skipped` and importJobs' line errors read as they always have."""
    item = Skipped(
        "experiences",
        BadInput("end_month cannot be before start_month", field="end_month", mentions=["start_month"]),
        item="'Engineer'",
    )
    assert skipped_text(item) == "experiences: 'Engineer': endMonth cannot be before startMonth"
    scalar = Skipped(
        "profile", BadInput("full_name must be at most 200 characters", field="full_name"), field="full_name"
    )
    assert skipped_text(scalar) == "profile fullName: fullName must be at most 200 characters"
    line = LineError(3, BadInput("raw_text is required", field="raw_text"))
    assert api_message(line.error) == "rawText is required"
