"""The estate registry import: a CSV/XLSX file of rooms and owners, validated whole, applied set-based.

Three steps, each usable on its own, one module each:

1. `reading.read_registry(data)` turns the bytes of a file (CSV UTF-8 with or without BOM, or the
   first sheet of an XLSX) into a header and raw rows; size, encoding and missing columns are
   refused here.
2. `cells.parse_rows(index, records)` checks every cell (pure) and returns typed `RegistryRow`s plus
   every cell error, each as (row as the user sees it in the file — the header is row 1 —,
   column, message).
3. `importing.import_rows(session, company, rows, dry_run=...)` checks the rows against each other
   and against the database (`checks.py`), then applies them in bulk (`batches.py`, `writer.py`):
   estates are taken in batches of ~5,000 rows, each batch's existing rows are loaded into dicts,
   diffed, and written with a few bulk statements per table (never one ORM object and one flush
   per row). It raises `RegistryInvalid` with every error before writing anything; the caller's
   unit of work makes the whole import one transaction.

`importing.import_file` chains the three and reports cell, cross-row and database errors together.
The owner of each row is decided by one pure rule, `owners.match_owner`. `rows.py` holds what all
steps share (the columns, `RegistryRow`, `Problem`, `RegistryInvalid`, `ImportResult`). Who may
import is the estates services' business (`services.import_registry`, `permissions.py`).

Decisions (README "Registry import"):
- `owner_phone` is optional (many elderly owners have none on record); when present it must look
  like a phone number. `owner_id_number` is optional; when present it must be a valid 18-character
  PRC ID (GB 11643, ISO 7064 MOD 11-2 check digit; a lower-case x is accepted as X).
- An empty `owner_id_number` never erases an ID number already on record (the column is often left
  out of files handed around for privacy); a different one replaces it.
- The owner of a row is the same person as the room's current owner when the ID numbers agree or
  when the names agree and no ID number contradicts: then phone/name/ID changes update that person.
  Otherwise the room's ownership passes to the person the row names (found in the estate by ID
  number, or by name and phone, else created).
- A floor that does not match the room number (501 on floor 3; the floor is the number without its
  last two digits) is a warning: old buildings have mezzanines and odd numbering.
- Building, entrance and room may not contain '-' or spaces (the room code joins them with '-').
- An existing estate keeps its name, district and company: a file that disagrees is an error. Its
  street office is taken from the file.
- A district code must be on record or a county-level division of the reference data
  (`divisions.py`, GB/T 2260), and the name must be the one on record, else the reference name:
  a name that disagrees is refused (it usually means a mistyped code), never silently replaced.
"""
