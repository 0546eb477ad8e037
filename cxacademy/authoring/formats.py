"""Question files from other tools: Moodle GIFT, Moodle XML, Aiken and CSV in; GIFT and Moodle XML out.

Pure functions, no Flask and no database: bytes or text in, plain data out.

    text = decode_upload(data)          # UTF-8 (with or without BOM) or Windows-1254, else FormatError
    result = parse_gift(text)           # also parse_moodle_xml, parse_aiken, parse_csv
    result.questions                    # ImportedQuestion objects that pass the checker's rules
    result.problems                     # (line, message) for every question that cannot be read

A question that cannot be read is reported with the line it starts on and the others are still
returned. Every parser applies the rules `flask content check` applies to the question files:
`single` and `true_false` have exactly one correct option, `multiple` at least two correct and one
wrong, every question has a stem and at least two options (and at most six, the editor's slots).
True/false questions always come out with the options "True" and "False", in that order.

The exporters take any objects with .type, .stem, .explanation and .options (each with .text,
.correct and .rationale), so an ImportedQuestion works, and parsing an export gives back the same
questions (type, stem, option texts, correct flags, rationales and explanation).
"""
from __future__ import annotations

import csv
import html
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from xml.parsers import expat

MAX_BYTES = 1024 * 1024  # uploads above 1 MB are refused
# Mirrors cxacademy.assessment.question_types.QUESTION_TYPES (not imported: that module needs Flask-Babel).
QUESTION_TYPES = ("single", "multiple", "true_false")
# The question editor has six option slots (authoring.questions.OPTION_SLOTS); a longer question
# could be imported but not edited, so it is reported instead.
MAX_OPTIONS = 6
TRUE_TEXT, FALSE_TEXT = "True", "False"
# Control characters (Unicode category Cc) other than tab, line feed, form feed and carriage return.
# A text file may contain one, or one in a hundred characters, before it is taken for binary data.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_CONTROL_SHARE = 100


class FormatError(ValueError):
    """The upload cannot be read as text at all. args[0] is the code: "not_text" or "too_large"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class ImportedOption:
    text: str
    correct: bool
    rationale: str = ""


@dataclass
class ImportedQuestion:
    type: str  # single | multiple | true_false
    stem: str
    options: list[ImportedOption]
    explanation: str = ""
    source_line: int = 0  # the line the question starts on in the file (1-based)


@dataclass
class ParseResult:
    questions: list[ImportedQuestion] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, message in English)


# --- Decoding -----------------------------------------------------------------------------------

def decode_upload(data: bytes) -> str:
    """The uploaded file as text: UTF-8 with or without a BOM, or else Windows-1254 (Turkish).

    FormatError("too_large") above MAX_BYTES; FormatError("not_text") for binary data (NUL bytes,
    bytes that are neither UTF-8 nor Windows-1254, or many control characters). UTF-16 files contain
    NUL bytes and are refused as well."""
    data = bytes(data)
    if len(data) > MAX_BYTES:
        raise FormatError("too_large")
    if b"\x00" in data:
        raise FormatError("not_text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1254")
        except UnicodeDecodeError:  # a byte Windows-1254 leaves undefined (0x81, 0x8D, ...)
            raise FormatError("not_text") from None
    controls = len(_CONTROLS.findall(text))
    if controls > max(1, len(text) // _CONTROL_SHARE):
        raise FormatError("not_text")
    return text


# --- Shared helpers -----------------------------------------------------------------------------

def _normalise_newlines(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _clean(text: str | None) -> str:
    """Tidy a text: NFC, no-break spaces as spaces, each line stripped, at most one empty line in a row."""
    text = unicodedata.normalize("NFC", _normalise_newlines(text or "")).replace("\xa0", " ")
    text = "\n".join(line.strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


class _TextFromHtml(HTMLParser):
    """Text of an HTML fragment: tags dropped, entities resolved, <br> and block ends as line breaks,
    script and style content left out. html.parser is linear, unlike a tag-stripping regex."""

    BLOCKS = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "blockquote", "pre"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.images = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        self.handle_startendtag(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        if tag == "br" or tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag == "img":
            self.images += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(re.sub(r"[ \t\n\r\f]+", " ", data))  # HTML collapses white space


def _text_from_html(fragment: str) -> tuple[str, bool]:
    """(plain text, whether the fragment holds an image)."""
    parser = _TextFromHtml()
    parser.feed(fragment)
    parser.close()
    return _clean("".join(parser.parts)), parser.images > 0


def _xml_safe(text: str | None) -> str:
    """The text without the characters XML 1.0 cannot hold (most control characters), with \\n line breaks."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", _normalise_newlines(text or ""))


def _html_from_text(text: str | None) -> str:
    """Plain text as an HTML fragment: escaped, line breaks as <br>."""
    return html.escape(_xml_safe(text), quote=False).replace("\n", "<br>")


def _problem(question: ImportedQuestion) -> str | None:
    """The first rule of our checker the question breaks, or None."""
    if question.type not in QUESTION_TYPES:
        return f"unknown type {question.type!r} (one of: {', '.join(QUESTION_TYPES)})"
    if not question.stem:
        return "the question has no text"
    if len(question.options) < 2:
        return "a question needs at least two options"
    if len(question.options) > MAX_OPTIONS:
        return f"a question can have at most {MAX_OPTIONS} options, this one has {len(question.options)}"
    if any(not option.text for option in question.options):
        return "every option needs a text"
    if question.type == "true_false" and [o.text for o in question.options] != [TRUE_TEXT, FALSE_TEXT]:
        return "a true_false question has exactly the options True and False"
    correct = sum(1 for option in question.options if option.correct)
    if question.type in ("single", "true_false") and correct != 1:
        return f"a {question.type} question needs exactly one correct option, found {correct}"
    if question.type == "multiple" and (correct < 2 or correct == len(question.options)):
        return "a multiple question needs at least two correct options and at least one wrong one"
    return None


def _add(result: ParseResult, question: ImportedQuestion) -> None:
    problem = _problem(question)
    if problem:
        result.problems.append((question.source_line, problem))
    else:
        result.questions.append(question)


def _true_false_options(true_is_correct: bool, true_rationale: str, false_rationale: str) -> list[ImportedOption]:
    return [ImportedOption(TRUE_TEXT, true_is_correct, true_rationale),
            ImportedOption(FALSE_TEXT, not true_is_correct, false_rationale)]


class _Unreadable(Exception):
    """One question cannot be read; the message says why."""


# --- GIFT ---------------------------------------------------------------------------------------
# https://docs.moodle.org/en/GIFT_format, read the way Moodle's own importer (question/format/gift)
# reads it: questions are separated by blank lines, lines starting with // are comments, escaped
# characters are swapped for placeholders before the structure is parsed, the answer block is the
# first {...}, general feedback follows the last ####, ~ marks a multiple-choice question (single
# answer when some answer uses =, several answers otherwise), and T/F/TRUE/FALSE a true/false one.

_GIFT_SPECIALS = "~=#{}:"
# Escaped characters become code points of the supplementary private use area while the question is
# parsed, so that they never count as syntax; "n" stands for the escape \n (a line break).
_GIFT_PLACEHOLDERS = {ch: chr(0xF0000 + i) for i, ch in enumerate(_GIFT_SPECIALS + "\\n")}
_GIFT_RESTORE = {ord(ph): ("\n" if ch == "n" else ch) for ch, ph in _GIFT_PLACEHOLDERS.items()}
_GIFT_ESCAPE = re.compile(r"\\([~=#{}:\\n])")
_GIFT_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]")
_GIFT_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d*)?)%")
_GIFT_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


def _gift_chunks(text: str):
    """(first line number, question text) for each blank-line separated question; comments removed."""
    lines = _normalise_newlines(text).split("\n")
    chunk: list[str] = []
    first = 0
    for number, line in enumerate(lines + [""], start=1):
        stripped = line.strip()
        if not stripped:
            if first:
                yield first, "\n".join(chunk)
            chunk, first = [], 0
        elif stripped.startswith("//"):
            continue
        else:
            chunk.append(stripped)
            first = first or number


def _gift_text(raw: str, fmt: str) -> tuple[str, str]:
    """(text, format) of one piece: its own [format] marker wins over the question's, escapes restored."""
    raw = raw.strip()
    marker = _GIFT_FORMAT.match(raw)
    if marker:
        fmt, raw = marker.group(1), raw[marker.end():]
    text = raw.translate(_GIFT_RESTORE)
    if fmt == "html":
        text, has_image = _text_from_html(text)
        if has_image:
            raise _Unreadable("the text contains an image, which cannot be imported")
        return text, fmt
    return _clean(text), fmt


def _gift_question(chunk: str, line: int) -> ImportedQuestion | None:
    """The question in one chunk; None for a $CATEGORY line; _Unreadable when it cannot be read."""
    text = _GIFT_ESCAPE.sub(lambda m: _GIFT_PLACEHOLDERS[m.group(1)], chunk).strip()
    if text.startswith("$CATEGORY:"):
        return None
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise _Unreadable("the title is not closed with :: (write a literal colon as \\:)")
        text = text[end + 2:].strip()  # the title is not kept: our questions have ids, not names
    opening, closing = text.count("{"), text.count("}")
    if opening == 0 and closing == 0:
        raise _Unreadable("no answers in braces { }: a description is not a question")
    if opening != 1 or closing != 1 or text.index("{") > text.index("}"):
        if opening > 1 and opening == closing:
            raise _Unreadable("more than one answer block { }: only one is supported")
        raise _Unreadable("the braces { } do not match (write a literal brace as \\{ or \\})")
    start, end = text.index("{"), text.index("}")
    answers = text[start + 1:end].strip()
    after = text[end + 1:].strip()
    stem_raw = text[:start] + ("_____ " + after if after else "")  # Moodle's "missing word" format
    explanation_raw = ""
    general = answers.rfind("####")
    if general >= 0:
        answers, explanation_raw = answers[:general].strip(), answers[general + 4:]
    stem, fmt = _gift_text(stem_raw, "moodle")
    explanation, _ = _gift_text(explanation_raw, fmt)

    if not answers:
        raise _Unreadable("essay questions are not supported (only multiple choice and true/false)")
    if answers.startswith("#"):
        raise _Unreadable("numerical questions are not supported (only multiple choice and true/false)")
    if "~" not in answers:
        if "=" in answers and "->" in answers:
            raise _Unreadable("matching questions are not supported (only multiple choice and true/false)")
        parts = answers.split("#", 2)
        truth = _GIFT_TRUE_FALSE.get(parts[0].strip().upper())
        if truth is None:
            raise _Unreadable("short-answer questions are not supported (only multiple choice and true/false)")
        # Moodle: the first feedback is shown for the wrong answer, the second for the right one.
        wrong = _gift_text(parts[1], fmt)[0] if len(parts) > 1 else ""
        right = _gift_text(parts[2], fmt)[0] if len(parts) > 2 else ""
        options = _true_false_options(truth, right if truth else wrong, wrong if truth else right)
        return ImportedQuestion("true_false", stem, options, explanation, line)

    single = "=" in answers  # as in Moodle: several answers may be chosen only when no answer uses =
    pieces = re.split(r"([=~])", answers)
    if pieces[0].strip():
        raise _Unreadable(f"text before the first answer: {pieces[0].strip().translate(_GIFT_RESTORE)!r} "
                          "(each answer starts with = or ~)")
    options = []
    for marker, piece in zip(pieces[1::2], pieces[2::2]):
        piece = piece.strip()
        weight = 100.0 if marker == "=" else 0.0
        found = _GIFT_WEIGHT.match(piece) if marker == "~" else None
        if found:
            weight, piece = float(found.group(1)), piece[found.end():]
            if not -100 <= weight <= 100:
                raise _Unreadable(f"answer weight {found.group(1)}% is outside -100% to 100%")
        answer_raw, _, feedback_raw = piece.partition("#")
        answer, _ = _gift_text(answer_raw, fmt)
        if single and 0 < weight < 100:
            raise _Unreadable(f"answer {answer!r} gives partial credit ({found.group(1)}%), which a single-answer "
                              "question cannot: mark it = (right) or ~ (wrong)")
        correct = weight >= 100 if single else weight > 0
        options.append(ImportedOption(answer, correct, _gift_text(feedback_raw, fmt)[0]))
    return ImportedQuestion("single" if single else "multiple", stem, options, explanation, line)


def parse_gift(text: str) -> ParseResult:
    """Questions in Moodle's GIFT format: single answer ({=right ~wrong}), several answers
    ({~%50%a ~%50%b ~%-100%c}: positive weights are correct) and true/false ({T}, {FALSE}, ...).
    Per-answer feedback (#...) becomes the option's rationale and general feedback (####...) the
    explanation; the title (::title::) is dropped. Short answer, matching, numerical, essay and
    description questions are reported as problems."""
    result = ParseResult()
    for line, chunk in _gift_chunks(text):
        try:
            question = _gift_question(chunk, line)
        except _Unreadable as unreadable:
            result.problems.append((line, str(unreadable)))
            continue
        if question is not None:
            _add(result, question)
    return result


# --- Moodle XML ---------------------------------------------------------------------------------

_XML_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class _XmlRefused(Exception):
    pass


def _xml_tree(text: str) -> tuple[ET.Element, dict[int, int]]:
    """Parse with expat, building an ElementTree and noting each element's line (id(element) -> line).
    Document type and entity declarations are refused by the handlers as well (defence in depth:
    parse_moodle_xml refuses them before parsing)."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    lines: dict[int, int] = {}

    def start(tag, attributes):
        lines[id(builder.start(tag, attributes))] = parser.CurrentLineNumber

    def refuse(*_args):
        raise _XmlRefused()

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.Parse(text, True)
    return builder.close(), lines


def _xml_text(element: ET.Element, path: str, label: str) -> str:
    """The <text> of a child such as questiontext, as plain text. Texts in the html (the default)
    and moodle_auto_format formats are HTML; plain_text and markdown are taken as written."""
    node = element.find(path)
    if node is None:
        return ""
    raw = node.findtext("text") or ""
    if node.get("format", "html") in ("plain_text", "markdown"):
        return _clean(raw)
    text, has_image = _text_from_html(raw)
    if has_image:
        raise _Unreadable(f"the {label} contains an image, which cannot be imported")
    return text


def _xml_fraction(answer: ET.Element) -> float:
    value = answer.get("fraction", "0")
    try:
        fraction = float(value)
    except ValueError:
        raise _Unreadable(f"answer fraction {value!r} is not a number") from None
    if not -100 <= fraction <= 100:
        raise _Unreadable(f"answer fraction {value} is outside -100 to 100")
    return fraction


def _xml_question(element: ET.Element, line: int) -> ImportedQuestion:
    qtype = element.get("type")
    stem = _xml_text(element, "questiontext", "question text")
    explanation = _xml_text(element, "generalfeedback", "general feedback")
    answers = element.findall("answer")
    if qtype == "truefalse":
        if len(answers) != 2:
            raise _Unreadable(f"a truefalse question has two answers, this one has {len(answers)}")
        read = [((a.findtext("text") or "").strip().lower(), _xml_fraction(a), _xml_text(a, "feedback", "feedback"))
                for a in answers]
        if {label for label, _, _ in read} != {"true", "false"}:
            read = [("true",) + read[0][1:], ("false",) + read[1][1:]]  # old files: true first, then false
        by_label = {label: (fraction, feedback) for label, fraction, feedback in read}
        if (by_label["true"][0] == 100) == (by_label["false"][0] == 100):
            raise _Unreadable("a true_false question needs exactly one correct option (fraction 100)")
        options = _true_false_options(by_label["true"][0] == 100, by_label["true"][1], by_label["false"][1])
        return ImportedQuestion("true_false", stem, options, explanation, line)
    single_text = (element.findtext("single") or "true").strip().lower()
    if single_text not in ("true", "false", "1", "0"):
        raise _Unreadable(f"<single> must be true or false, not {single_text!r}")
    single = single_text in ("true", "1")
    options = []
    for answer in answers:
        fraction = _xml_fraction(answer)
        text = _xml_text(answer, ".", "answer")
        if single and 0 < fraction < 100:
            raise _Unreadable(f"answer {text!r} gives partial credit ({answer.get('fraction')}%), which a "
                              "single-answer question cannot: give it 100 or 0")
        options.append(ImportedOption(text, fraction >= 100 if single else fraction > 0,
                                      _xml_text(answer, "feedback", "feedback")))
    return ImportedQuestion("single" if single else "multiple", stem, options, explanation, line)


def parse_moodle_xml(text: str) -> ParseResult:
    """Questions in Moodle XML (<quiz><question type="multichoice|truefalse">...</quiz>).

    questiontext is the stem, generalfeedback the explanation, each answer's feedback its rationale.
    A multichoice question with <single>false</single> is a `multiple` question whose answers with a
    positive fraction are correct; otherwise the answer with fraction 100 is the correct one. HTML is
    reduced to plain text. Category entries are skipped; other question types are reported.
    Documents with a DOCTYPE or ENTITY declaration are refused unparsed (no XXE, no entity bombs);
    malformed XML is reported with the line expat stopped at."""
    result = ParseResult()
    text = _normalise_newlines(text)
    declaration = _XML_DECLARATION.search(text)
    if declaration:
        result.problems.append((_line_of(text, declaration.start()),
                                "DOCTYPE and ENTITY declarations are not allowed in an imported file"))
        return result
    try:
        root, lines = _xml_tree(text)
    except expat.ExpatError as error:
        result.problems.append((error.lineno, f"malformed XML: {expat.ErrorString(error.code)} "
                                              f"(line {error.lineno}, column {error.offset + 1})"))
        return result
    except _XmlRefused:
        result.problems.append((1, "DOCTYPE and ENTITY declarations are not allowed in an imported file"))
        return result
    if root.tag != "quiz":
        result.problems.append((lines.get(id(root), 1), f"the document is <{root.tag}>, not a Moodle <quiz>"))
        return result
    for element in root.findall("question"):
        line = lines.get(id(element), 1)
        qtype = element.get("type")
        if qtype == "category":
            continue
        if qtype not in ("multichoice", "truefalse"):
            result.problems.append((line, f"{qtype!r} questions are not supported (only multichoice and truefalse)"))
            continue
        try:
            question = _xml_question(element, line)
        except _Unreadable as unreadable:
            result.problems.append((line, str(unreadable)))
            continue
        _add(result, question)
    return result


# --- Aiken --------------------------------------------------------------------------------------

_AIKEN_OPTION = re.compile(r"^([A-Z])[.)](?:[ \t]+(.*))?$")
_AIKEN_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*)$", re.IGNORECASE)


def parse_aiken(text: str) -> ParseResult:
    """Questions in the Aiken format (single answer only):

        Which channel do customers prefer for complaints?
        A. Email
        B) Phone
        ANSWER: B

    The question text (one or more lines), options lettered A, B, C... in order with "." or ")",
    then the ANSWER line. A question that cannot be read is reported with its first line, and reading
    goes on after its ANSWER line (or the next empty line)."""
    result = ParseResult()
    lines = _normalise_newlines(text).split("\n")
    state = "idle"  # idle | stem | options | skip
    start, stem, options, gap = 0, [], [], False

    def fail(message: str) -> None:
        nonlocal state
        result.problems.append((start, message))
        state = "skip"

    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        option = _AIKEN_OPTION.match(line)
        answer = _AIKEN_ANSWER.match(line)
        if state == "skip":
            if answer or not line:
                state = "idle"
            continue
        if state == "idle":
            if not line:
                continue
            if answer:
                start = number
                fail("an ANSWER line without a question before it")
                state = "idle"
                continue
            start, stem, options, gap, state = number, [], [], False, "stem"
        if answer:
            letters = [letter for letter, _ in options]
            given = answer.group(1).strip().upper()
            if not options:
                fail("the question has no options (A. ..., B. ...) before its ANSWER line")
            elif given not in letters:
                fail(f"line {number}: ANSWER {answer.group(1).strip()!r} is not one of the options "
                     f"{', '.join(letters)}")
            else:
                _add(result, ImportedQuestion("single", _clean("\n".join(stem)),
                                              [ImportedOption(_clean(t), letter == given) for letter, t in options],
                                              "", start))
            state = "idle"
        elif option:
            letter = option.group(1)
            expected = chr(ord("A") + len(options))
            if letter != expected:
                fail(f"line {number}: option {letter} where {expected} was expected (options are lettered A, B, C...)")
            else:
                options.append((letter, option.group(2) or ""))
                state = "options"
                gap = False
        elif not line:
            gap = True
        elif gap:
            # Text after an empty line, and no ANSWER line yet: report the unfinished question and read
            # this line as the start of the next one.
            result.problems.append((start, "the question has no ANSWER: line after its options" if options
                                    else "text without options (A. ..., B. ...) and without an ANSWER: line"))
            start, stem, options, gap, state = number, [line], [], False, "stem"
        elif state == "stem":
            stem.append(line)
        else:
            fail(f"line {number}: expected an option (B. text) or the ANSWER: line")
    if state in ("stem", "options"):
        result.problems.append((start, "the question has no ANSWER: line"))
    return result


# --- CSV ----------------------------------------------------------------------------------------

CSV_LETTERS = "abcdef"
CSV_COLUMNS = (["type", "stem"] + [f"option_{x}" for x in CSV_LETTERS] + ["correct", "explanation"]
               + [f"rationale_{x}" for x in CSV_LETTERS])
CSV_REQUIRED = ("type", "stem", "option_a", "option_b", "correct")


def parse_csv(text: str) -> ParseResult:
    """Questions in our CSV layout, one question a row after a header row:

        type,stem,option_a,option_b,option_c,option_d,option_e,option_f,correct,explanation,
        rationale_a,rationale_b,rationale_c,rationale_d,rationale_e,rationale_f

    - The header row is required. Columns are found by name, in any order; `type`, `stem`,
      `option_a`, `option_b` and `correct` must be there, the others may be left out. An unknown
      column name is an error (so that a typo does not silently drop data).
    - `type`: single | multiple | true_false.
    - `option_a` ... `option_f`: the option texts, filled from a without gaps; unused ones empty.
    - `correct`: the letters of the correct options: `b`, or several as `a;c` (also `a,c` or `a c`).
    - `explanation`: the point the question teaches; `rationale_x`: why option x is right or wrong.
    - `true_false`: option_a is True and option_b is False (they may be left empty), `correct` is
      `a` (true) or `b` (false).
    - Cells may be quoted ("...") to hold commas or line breaks. A file whose header is separated
      by semicolons (as Excel saves CSV in Turkish and German settings) or tabs is read that way.
    """
    result = ParseResult()
    text = _normalise_newlines(text)
    header_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in header_line:
        delimiter = ";" if ";" in header_line else "\t" if "\t" in header_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as error:
        result.problems.append((reader.line_num or 1, f"the header row cannot be read: {error}"))
        return result
    if not header or not any(cell.strip() for cell in header):
        result.problems.append((1, "the file is empty: the first row must name the columns ("
                                   + ",".join(CSV_COLUMNS) + ")"))
        return result
    names = [re.sub(r"[\s-]+", "_", cell.strip().lower()) for cell in header]
    unknown = [name for name in names if name not in CSV_COLUMNS]
    missing = [name for name in CSV_REQUIRED if name not in names]
    duplicate = sorted({name for name in names if names.count(name) > 1})
    if unknown or missing or duplicate:
        details = []
        if missing:
            details.append("missing " + ", ".join(missing))
        if unknown:
            details.append("unknown " + ", ".join(repr(n) for n in unknown))
        if duplicate:
            details.append("twice " + ", ".join(duplicate))
        result.problems.append((1, "the header row must name the columns (" + ",".join(CSV_COLUMNS) + "): "
                                   + "; ".join(details)))
        return result
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader, None)
        except csv.Error as error:  # e.g. an unclosed quote running to the end, or a huge cell
            result.problems.append((line, f"the rest of the file cannot be read as CSV: {error}"))
            return result
        if row is None:
            return result
        row_line, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        try:
            question = _csv_question(names, row, row_line)
        except _Unreadable as unreadable:
            result.problems.append((row_line, str(unreadable)))
            continue
        _add(result, question)


def _csv_question(names: list[str], row: list[str], line: int) -> ImportedQuestion:
    if len(row) > len(names):
        extra = [cell for cell in row[len(names):] if cell.strip()]
        if extra:
            raise _Unreadable(f"the row has {len(row)} cells but the header names {len(names)} columns "
                              "(quote cells that contain the separator)")
    cells = {name: _clean(row[i]) if i < len(row) else "" for i, name in enumerate(names)}
    qtype = re.sub(r"[\s-]+", "_", cells["type"].lower())
    qtype = {"truefalse": "true_false"}.get(qtype, qtype)
    if qtype not in QUESTION_TYPES:
        raise _Unreadable(f"unknown type {cells['type']!r} (one of: {', '.join(QUESTION_TYPES)})")
    if qtype == "true_false":
        for letter, expected in (("a", TRUE_TEXT), ("b", FALSE_TEXT)):
            given = cells.get(f"option_{letter}", "")
            if given and given.casefold() != expected.casefold():
                raise _Unreadable(f"a true_false question has option_a True and option_b False, "
                                  f"not option_{letter} {given!r}")
            cells[f"option_{letter}"] = expected
    texts = [cells.get(f"option_{letter}", "") for letter in CSV_LETTERS]
    filled = [letter for letter, t in zip(CSV_LETTERS, texts) if t]
    count = len(filled)
    if filled != list(CSV_LETTERS[:count]):
        gap = next(letter for letter, t in zip(CSV_LETTERS, texts) if not t)
        raise _Unreadable(f"option_{gap} is empty but a later option is filled: fill the options from a on")
    for letter in CSV_LETTERS[count:]:
        if cells.get(f"rationale_{letter}"):
            raise _Unreadable(f"rationale_{letter} is filled but option_{letter} is empty")
    tokens = [t for t in re.split(r"[\s;,]+", cells["correct"].lower()) if t]
    if qtype == "true_false":
        tokens = [{"true": "a", "t": "a", "false": "b", "f": "b"}.get(t, t) for t in tokens]
    if not tokens:
        raise _Unreadable("correct is empty: give the letters of the correct options, e.g. b or a;c")
    for token in tokens:
        if token not in CSV_LETTERS[:count]:
            raise _Unreadable(f"correct names {token!r}, which is not a filled option "
                              f"({', '.join(CSV_LETTERS[:count])})")
    options = [ImportedOption(cells[f"option_{letter}"], letter in tokens, cells.get(f"rationale_{letter}", ""))
               for letter in CSV_LETTERS[:count]]
    return ImportedQuestion(qtype, cells["stem"], options, cells.get("explanation", ""), line)


# --- Export -------------------------------------------------------------------------------------

# The grades Moodle's question editor offers (question_bank::fraction_options_full), in percent.
MOODLE_FRACTIONS = ("100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333", "30",
                    "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5")


def _percent(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def _multiple_weights(count_correct: int, count_wrong: int) -> tuple[str, str]:
    """(weight of each correct answer, weight of each wrong answer) for a multiple question, in percent.

    Moodle wants the correct answers' weights to add up to 100 and, in its editor, each weight taken
    from MOODLE_FRACTIONS: 100/n is in that list for n = 1..10 and 20 (33.33333 * 3 rounds to 100,
    which Moodle accepts). Wrong answers get -100/m when that is in the list too, so that choosing
    every option scores 0 in Moodle; otherwise simply -100 (any wrong choice cancels the mark). Either
    way Moodle's partial credit differs from ours (all or nothing), but full marks need exactly the
    correct answers in both. For an n outside the list (more options than our editor allows), 100/n
    is written as is and Moodle's editor will ask to round it when the question is next edited."""
    correct = _percent(100 / count_correct) if count_correct else "0"
    wrong_share = _percent(100 / count_wrong) if count_wrong else "100"
    return correct, "-" + (wrong_share if wrong_share in MOODLE_FRACTIONS else "100")


def _true_first(question) -> tuple:
    """(the True option, the False option) of a true/false question: by text (True/Doğru/Wahr/Richtig),
    otherwise by position (True first, as in our question files)."""
    options = list(question.options)
    if len(options) != 2:
        raise ValueError(f"a true_false question has two options, not {len(options)}: {question.stem!r}")
    named_true = [o for o in options if (o.text or "").strip().casefold() in ("true", "doğru", "wahr", "richtig")]
    if len(named_true) == 1:
        true = named_true[0]
        return true, options[1] if options[0] is true else options[0]
    return options[0], options[1]


def _check_type(question) -> None:
    if question.type not in QUESTION_TYPES:
        raise ValueError(f"unknown question type {question.type!r}")


def _gift_escape(text: str | None) -> str:
    text = _normalise_newlines(text or "").strip()
    escaped = []
    for ch in text:
        if ch == "\\":
            escaped.append("\\\\")
        elif ch in _GIFT_SPECIALS:
            escaped.append("\\" + ch)
        elif ch == "\n":
            escaped.append("\\n")
        else:
            escaped.append(ch)
    return "".join(escaped)


def _gift_piece(text: str | None) -> str:
    """An answer or feedback text; one that starts like a [format] marker gets an explicit [plain] first."""
    escaped = _gift_escape(text)
    return "[plain]" + escaped if _GIFT_FORMAT.match(escaped) else escaped


def export_gift(questions) -> str:
    """The questions in Moodle's GIFT format, plain-text format ([plain]), separated by blank lines.

    Special characters (~ = # { } : and backslash) are escaped and line breaks written as \\n.
    Multiple-answer questions use weights (see _multiple_weights); true/false questions carry the
    wrong answer's rationale first and the right one's second, as Moodle reads them. Titles are not
    written: Moodle names each question after the start of its text."""
    blocks = []
    for question in questions:
        _check_type(question)
        head = "[plain]" + _gift_escape(question.stem) + "{"
        general = f"####{_gift_piece(question.explanation)}\n" if (question.explanation or "").strip() else ""
        if question.type == "true_false":
            true, false = _true_first(question)
            right, wrong = (true, false) if true.correct else (false, true)
            answer = "TRUE" if true.correct else "FALSE"
            right_fb, wrong_fb = _gift_piece(right.rationale), _gift_piece(wrong.rationale)
            if wrong_fb or right_fb:
                answer += "#" + wrong_fb
            if right_fb:
                answer += "#" + right_fb
            blocks.append(f"{head}{answer}\n{general}}}")
            continue
        lines = [head]
        options = list(question.options)
        if question.type == "multiple":
            correct_weight, wrong_weight = _multiple_weights(sum(1 for o in options if o.correct),
                                                             sum(1 for o in options if not o.correct))
        for option in options:
            text = _gift_piece(option.text)
            if question.type == "single":
                # A wrong answer whose text starts with "%" would be read as a weight: give it one.
                prefix = "=" if option.correct else ("~%0%" if text.startswith("%") else "~")
            else:
                prefix = f"~%{correct_weight if option.correct else wrong_weight}%"
            feedback = _gift_piece(option.rationale)
            lines.append(prefix + text + (f"#{feedback}" if feedback else ""))
        blocks.append("\n".join(lines) + "\n" + general + "}")
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _question_name(stem: str) -> str:
    first = " ".join(_normalise_newlines(stem or "").split())
    return first if len(first) <= 80 else first[:79].rsplit(" ", 1)[0] + "…"


def _xml_text_element(parent: ET.Element, tag: str, text: str | None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": "html", **attributes})
    ET.SubElement(element, "text").text = _html_from_text(text or "")
    return element


def export_moodle_xml(questions) -> str:
    """The questions as a Moodle XML quiz (UTF-8): multichoice (single or several answers) and truefalse.
    Texts are written as HTML (escaped plain text, line breaks as <br>); ElementTree does the XML
    escaping. Multiple-answer fractions as in _multiple_weights."""
    quiz = ET.Element("quiz")
    for question in questions:
        _check_type(question)
        kind = "truefalse" if question.type == "true_false" else "multichoice"
        element = ET.SubElement(quiz, "question", type=kind)
        ET.SubElement(ET.SubElement(element, "name"), "text").text = _xml_safe(_question_name(question.stem))
        _xml_text_element(element, "questiontext", question.stem)
        _xml_text_element(element, "generalfeedback", question.explanation)
        ET.SubElement(element, "defaultgrade").text = "1.0000000"
        ET.SubElement(element, "penalty").text = "1.0000000" if kind == "truefalse" else "0.3333333"
        ET.SubElement(element, "hidden").text = "0"
        if kind == "truefalse":
            for label, option in zip(("true", "false"), _true_first(question)):
                answer = ET.SubElement(element, "answer", fraction="100" if option.correct else "0",
                                       format="moodle_auto_format")
                ET.SubElement(answer, "text").text = label
                _xml_text_element(answer, "feedback", option.rationale)
            continue
        single = question.type == "single"
        ET.SubElement(element, "single").text = "true" if single else "false"
        ET.SubElement(element, "shuffleanswers").text = "true"
        ET.SubElement(element, "answernumbering").text = "abc"
        options = list(question.options)
        if single:
            correct_weight, wrong_weight = "100", "0"
        else:
            correct_weight, wrong_weight = _multiple_weights(sum(1 for o in options if o.correct),
                                                             sum(1 for o in options if not o.correct))
        for option in options:
            answer = ET.SubElement(element, "answer", fraction=correct_weight if option.correct else wrong_weight,
                                   format="html")
            ET.SubElement(answer, "text").text = _html_from_text(option.text)
            _xml_text_element(answer, "feedback", option.rationale)
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"
