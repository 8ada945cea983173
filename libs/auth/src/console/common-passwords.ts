/**
 * Passwords of 12 or more characters that appear near the top of public
 * breached-password rankings, or are obvious variations of those, lower-cased.
 * A short built-in list (no download at runtime); the length rule and the
 * character-variety rule in `passwordProblem` catch much of the rest.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  '123456789012', '1234567890123', '12345678901234', '123456789123', '111111111111', '000000000000',
  '123123123123', '121212121212', 'password1234', 'password12345', 'password123456', 'passwordpassword',
  'password123!', 'p@ssw0rd1234', 'passw0rd1234', 'qwertyuiop12', 'qwertyuiop123', 'qwertyuiopasdf',
  'qwerty123456', 'qwertyqwerty', 'qwerty12345678', '1q2w3e4r5t6y', '1qaz2wsx3edc', 'zaq12wsxcde3',
  'asdfghjkl123', 'asdfasdfasdf', 'abcdefghijkl', 'abcd12345678', 'abc123456789', 'iloveyou1234',
  'letmein12345', 'welcome12345', 'welcome123456', 'changeme1234', 'changemenow!', 'administrator',
  'administrator1', 'admin1234567', 'adminadmin123', 'superman1234', 'football1234', 'baseball1234',
  'sunshine1234', 'princess1234', 'trustno1trustno1', 'monkey123456', 'dragon123456', 'master123456',
  'starwars1234', 'whatever1234', 'computer1234', 'internet1234', 'michael12345', 'jennifer1234',
  'correcthorsebatterystaple', 'hospital1234', 'healthcare123', 'switchboard1', 'switchboard123',
]);
