"""Catalogue ids and FAISS ids, exactly as the service maps them (``catalog/FaissIds``, ``shard/IdFile``)."""

import hashlib

INT64_MAX = (1 << 63) - 1


def faiss_id(catalog_id):
    """The FAISS id the service stores for ``catalog_id``.

    A non-negative integer without leading zeros that fits int64 is used as it is; any other id (a UUID,
    a SKU) is the first 8 bytes of its UTF-8 sha256, big-endian, with the top bit cleared.
    """
    if _is_plain_integer(catalog_id):
        value = int(catalog_id)
        if value <= INT64_MAX:
            return value
    digest = hashlib.sha256(catalog_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") & INT64_MAX


def _is_plain_integer(text):
    if not text or len(text) > 19:
        return False
    if len(text) > 1 and text[0] == "0":
        return False
    return all("0" <= c <= "9" for c in text)


def parse_id_file(data):
    """``[(faiss_id, catalog_id), …]`` from an id file: ``<faiss id>\\t<catalogue id>`` lines, in index order,
    with ``\\t``, ``\\n``, ``\\r`` and ``\\\\`` escaped in catalogue ids. Raises ``ValueError`` on a bad line."""
    entries = []
    for number, line in enumerate(data.decode("utf-8").split("\n"), start=1):
        if line.endswith("\r"):
            line = line[:-1]
        if not line:
            continue
        faiss_part, tab, catalog_part = line.partition("\t")
        if not tab:
            raise ValueError(f"line {number} has no tab")
        entries.append((int(faiss_part), _unescape(catalog_part)))
    return entries


def _unescape(text):
    if "\\" not in text:
        return text
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            i += 1
            out.append({"t": "\t", "n": "\n", "r": "\r"}.get(text[i], text[i]))
        else:
            out.append(c)
        i += 1
    return "".join(out)
