import re


def tokenize(text):
    """Words (letters, digits, inner apostrophes or hyphens) and single punctuation marks, in order."""
    # BEGIN SOLUTION NO PROMPT
    return re.findall(r"<[A-Za-z_]+>|\w+(?:['\u2019-]\w+)*|[^\w\s]", text)
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("split text into words and punctuation marks")
    """ # END PROMPT
