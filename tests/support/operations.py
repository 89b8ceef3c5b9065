"""GraphQL operations that more than one test module sends, named as the tests have always named them (the
improvement pipeline's own are in improvements.py, uploads with their helpers in uploads.py)."""

from __future__ import annotations

from typing import Any

# --- Accounts and sessions -----------------------------------------------------------------------------

REGISTER = """
mutation Register($email: String!, $password: String!) {
  register(email: $email, password: $password) { token expiresAt user { id email role createdAt } }
}"""
ME = "{ me { id email role } }"
SIGN_OUT = "mutation { signOutEverywhere }"
CHANGE = """
mutation($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new) { token expiresAt user { id email } }
}"""
DELETE_ACCOUNT = "mutation($p: String!) { deleteAccount(password: $p) }"

# --- The master profile --------------------------------------------------------------------------------

PROFILE = """{ profile {
  id fullName headline email phone location summary enhancedSummary totalExperienceYears
  links { label url }
  experiences {
    id title company location startMonth endMonth current description highlights skills enhancedDescription
  }
  projects { id name description technologies url startMonth endMonth }
  skills { id name category level }
  education { id institution degree fieldOfStudy startMonth endMonth gpa honours }
  certifications { id name issuer issuedMonth url }
} }"""
PROFILE_IDS = "{ profile { experiences { id } projects { id } skills { id } education { id } certifications { id } } }"
ADD = {
    "experiences": "mutation ($input: ExperienceInput!) "
    "{ addExperience(input: $input) { id title company startMonth endMonth current skills } }",
    "projects": "mutation ($input: ProjectInput!) { addProject(input: $input) { id name technologies url } }",
    "skills": "mutation ($input: SkillInput!) { addSkill(input: $input) { id name category level } }",
    "education": "mutation ($input: EducationInput!) { addEducation(input: $input) { id institution gpa } }",
    "certifications": "mutation ($input: CertificationInput!) "
    "{ addCertification(input: $input) { id name issuedMonth } }",
}
SAMPLE = {  # one valid input per section, for ADD
    "experiences": {"title": "Engineer", "company": "Acme", "startMonth": "2020-01", "endMonth": "2021-12"},
    "projects": {"name": "Tailor", "technologies": ["python", "k8s"], "url": "https://github.com/example/tailor"},
    "skills": {"name": "postgres", "level": "EXPERT"},
    "education": {"institution": "State University", "gpa": 3.7, "startMonth": "2012-09", "endMonth": "2016-06"},
    "certifications": {"name": "CKA", "issuedMonth": "2022-05"},
}
ENHANCE = """mutation ($input: EnhanceProfileInput) {
  enhanceProfile(input: $input) {
    sectionsRequested sectionsEnhanced successRate sampleId warnings
    writingStyleUsed { tone formality } llmMetadata { provider model totalTokens latencyMs }
  }
}"""

# --- Resumes and jobs ----------------------------------------------------------------------------------

UPLOAD = "mutation ($file: Upload!) { uploadResume(file: $file) { resume { id } } }"
CREATE_JOB = "mutation ($text: String!) { createJob(input: {rawText: $text}) { id } }"
MATCH = """query ($resume: ID!, $job: ID!, $refresh: Boolean) {
  match(resumeId: $resume, jobId: $job, refresh: $refresh) {
    id cached createdAt expiresAt job { id title analysisCount } resume { id }
    result { matchPercentage recommendationLevel
      breakdown { skillsMatch experienceMatch requirementsMatch }
      matchedSkills semanticSkills missingSkills strengths improvements
      evidence { skill how foundAs section line } }
  }
}"""
RANK = """mutation ($input: RankContentInput!) {
  rankContent(input: $input) {
    jobId cached status rationale llmMetadata { provider }
    rankedExperiences { relevanceScore matchedKeywords item { id company } }
    rankedProjects { relevanceScore item { name } }
    keywordMatches { skill count }
  }
}"""

# --- Generations ---------------------------------------------------------------------------------------

GENERATION = """
  id documentType status jobId jobTitle company text markdown content atsScore warnings createdAt
  atsFeedback { parts { name score weight } matchedKeywords missingKeywords notes }
  contentUsed { experienceIds projectIds experiencesCount projectsCount skillsCount educationCount
                summaryIncluded summaryEnhanced enhancedItems skillsHighlighted writingStyleApplied sampleId }
  options { maxExperiences maxProjects includeSummary companyName hiringManagerName maxParagraphs format }
  llmMetadata { provider model totalTokens }
  downloads { txt md docx pdf }
"""
RESUME = f"mutation ($input: GenerateResumeInput!) {{ generateResume(input: $input) {{ {GENERATION} }} }}"
LETTER_MUTATION = (
    f"mutation ($input: GenerateCoverLetterInput!) {{ generateCoverLetter(input: $input) {{ {GENERATION} }} }}"
)
SIGNED_RESUME = """mutation ($job: ID!) { generateResume(input: {jobId: $job}) {
  id text downloads { txt md docx pdf } signedDownloads { txt md docx pdf expiresAt }
} }"""

# --- Feedback ------------------------------------------------------------------------------------------

SUBMIT = """mutation ($input: SubmitFeedbackInput!) {
  submitFeedback(input: $input) {
    id subjectType subjectId jobId rating comment query response createdAt job { id } } }"""


def submit(subject_type: str, subject_id: str, rating: Any, **extra: Any) -> dict[str, Any]:
    """SUBMIT's variables."""
    return {"input": {"subjectType": subject_type, "subjectId": subject_id, "rating": rating, **extra}}
