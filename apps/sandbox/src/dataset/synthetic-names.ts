import type { Prng } from './prng';

// Given names are ordinary; family names are built from two invented halves
// ("Wrenmoor", "Quillbrook"), so every full name is a fictional combination.
const FEMALE_GIVEN = [
  'Ada', 'Beatriz', 'Camila', 'Dana', 'Elena', 'Farah', 'Grace', 'Hana', 'Imani', 'Jade', 'Keiko', 'Lena',
  'Maya', 'Nadia', 'Olivia', 'Priya', 'Rosa', 'Sofia', 'Tamsin', 'Uma', 'Vera', 'Willa', 'Ximena', 'Yara', 'Zoe',
] as const;
const MALE_GIVEN = [
  'Amir', 'Bruno', 'Caleb', 'Dmitri', 'Emeka', 'Felix', 'Gabriel', 'Hugo', 'Ivan', 'Jonah', 'Kenji', 'Luca',
  'Marcus', 'Nikhil', 'Omar', 'Pablo', 'Quinn', 'Rafael', 'Samuel', 'Tobias', 'Uriel', 'Victor', 'Wes', 'Yusuf', 'Zane',
] as const;
const FAMILY_HEADS = [
  'Amber', 'Bramble', 'Cinder', 'Dapple', 'Ember', 'Fennel', 'Gossam', 'Heather', 'Indigo', 'Juni', 'Kestrel', 'Larch',
  'Moss', 'Nettle', 'Opal', 'Pebble', 'Quill', 'Rowan', 'Saffron', 'Thistle', 'Umber', 'Vetch', 'Wren', 'Yarrow',
] as const;
const FAMILY_TAILS = ['brook', 'combe', 'dell', 'fallow', 'gate', 'holt', 'mere', 'moor', 'quist', 'shaw', 'vane', 'wick'] as const;

const STREETS = ['Larkspur', 'Copperleaf', 'Tidewater', 'Foxglove', 'Millrace', 'Orchard Bend', 'Sundial', 'Lanternlight', 'Birchgrove', 'Harbor Mist'] as const;
const STREET_KINDS = ['St', 'Ave', 'Ln', 'Way', 'Ct', 'Dr'] as const;
/** Invented towns with a real state code and an arbitrary ZIP prefix. */
const TOWNS = [
  { city: 'Verdant Falls', state: 'WI', zip: '537' },
  { city: 'Port Amberly', state: 'MO', zip: '641' },
  { city: 'Cedar Hollow', state: 'OR', zip: '973' },
  { city: 'Lake Marisol', state: 'TX', zip: '787' },
  { city: 'North Quarry', state: 'MA', zip: '017' },
  { city: 'Saltmarsh', state: 'GA', zip: '313' },
] as const;

export interface SyntheticName {
  family: string;
  given: string[];
}

export function syntheticName(rng: Prng, gender: 'female' | 'male'): SyntheticName {
  const first = rng.pick(gender === 'female' ? FEMALE_GIVEN : MALE_GIVEN);
  const given = rng.chance(0.3) ? [first, rng.pick(gender === 'female' ? FEMALE_GIVEN : MALE_GIVEN)] : [first];
  return { family: `${rng.pick(FAMILY_HEADS)}${rng.pick(FAMILY_TAILS)}`, given: given[0] === given[1] ? [first] : given };
}

export interface SyntheticAddress {
  line: string[];
  city: string;
  state: string;
  postalCode: string;
}

export function syntheticAddress(rng: Prng): SyntheticAddress {
  const town = rng.pick(TOWNS);
  return {
    line: [`${rng.int(10, 9899)} ${rng.pick(STREETS)} ${rng.pick(STREET_KINDS)}`],
    city: town.city,
    state: town.state,
    postalCode: `${town.zip}${String(rng.int(0, 99)).padStart(2, '0')}`,
  };
}

/** 555-0100 … 555-0199 are reserved for fiction in the North American numbering plan. */
export function syntheticPhone(rng: Prng): string {
  return `${rng.pick(['608', '816', '503', '512', '978', '912'])}-555-01${String(rng.int(0, 99)).padStart(2, '0')}`;
}
