"""Uploading a resume or a writing sample through the API (a GraphQL multipart request), for the tests that
need one on the way to something else (ranking, matching, enhancement, generation, pagination...)."""

from __future__ import annotations

from typing import Any

from tests.support.client import GraphQL

RESUME_UPLOAD = """mutation ($file: Upload!) {
  uploadResume(file: $file) {
    deduplicated
    resume {
      id filename mediaType fileSize candidateName
      parsed {
        name email phone location links summary skills
        experiences { title company location start end current bullets }
        projects { name description technologies }
        education { institution degree fieldOfStudy end }
        certifications { name year }
      }
    }
  }
}"""
SAMPLE_UPLOAD = """mutation ($type: DocumentType!, $file: Upload!) {
  uploadSample(documentType: $type, file: $file) {
    id documentType filename mediaType wordCount characterCount isActive warnings fullText
    writingStyle { tone formality sentenceLengthMean firstPersonRate provider }
  }
}"""


async def upload_resume(gql: GraphQL, content: bytes, filename: str = "resume.pdf") -> Any:
    return (await gql.upload(RESUME_UPLOAD, {}, content, filename)).json()


async def upload_sample(gql: GraphQL, content: bytes, filename: str = "letter.txt", kind: str = "COVER_LETTER") -> Any:
    return (await gql.upload(SAMPLE_UPLOAD, {"type": kind}, content, filename)).json()
