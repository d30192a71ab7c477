// The compliance layer: masking for anything leaving the conversation, and checks on outbound text.
export {
  maskAccount,
  maskBankCard,
  maskEmail,
  maskIdNumber,
  maskPersonalData,
  maskPhone,
} from './mask.ts';
export { checkOutboundCompliance, isAdviceRequest } from './advice-guard.ts';
export type { ComplianceCheck } from './advice-guard.ts';
export { checkGrounded, figuresIn } from './grounding.ts';
export { mentionsInvestmentProduct, withAiLabel, withRiskDisclosure } from './disclosure.ts';
export type { AiLabelOptions } from './disclosure.ts';
