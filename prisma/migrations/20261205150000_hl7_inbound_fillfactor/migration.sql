-- A claimed message is updated twice after its insert: the claim sets its lease and attempt count,
-- then the outcome sets its status. With full pages, the claim's new row version went to another
-- page, so every index of the table (seven, one a GIN over the patient id hashes) took a new entry
-- for it: about 1.8 KB of WAL a claim. With room left on each page the claim is a HOT update (no
-- indexed column changes) on the same page: about 0.1 KB. New rows fill half of each page from now
-- on; existing pages keep their layout until they are rewritten.
ALTER TABLE "Hl7InboundMessage" SET (fillfactor = 50);
