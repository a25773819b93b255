-- In-city is a fact of the employer's registration, not a flag the sponsor types: characters 3–8 of the
-- credit code are the registration division, and 4313xx is Loudi. An employer registered elsewhere counts
-- only by an audited override (reason and note kept here and in the audit trail).
ALTER TABLE placements
    ADD COLUMN in_city_basis           smallint NOT NULL DEFAULT 1,   -- InCityBasis: 1 register, 2 override
    ADD COLUMN in_city_override_reason smallint NOT NULL DEFAULT 0,   -- InCityOverride.Reason
    ADD COLUMN in_city_override_note   text     NOT NULL DEFAULT '';

-- Stored rows were the caller's word: recompute them from the employer's code (no override existed before).
UPDATE placements SET in_city = (substr(employer_code, 3, 4) = '4313'), in_city_basis = 1;

-- A sponsor added after the city approved the cohort is pending until the enterprise accepts.
ALTER TABLE cohort_sponsors ADD COLUMN pending boolean NOT NULL DEFAULT false;
