import { z } from 'zod';

// zod compiles validators with `new Function` when it may; the page's CSP forbids eval, so tell it
// not to try (otherwise the browser reports a CSP violation). zod reads this when a schema is made,
// so this module is imported before anything that defines schemas.
z.config({ jitless: true });
