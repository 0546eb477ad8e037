"""Assessment: question bank, quizzes, attempts, grading, mock exams, practice and spaced review."""
