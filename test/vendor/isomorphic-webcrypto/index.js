// fhirclient's browser entry imports this; in Node the platform's WebCrypto is the same API.
module.exports = require('node:crypto').webcrypto;
module.exports.default = module.exports;
