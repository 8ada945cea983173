import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { Type } from '@nestjs/common';
import { JSONObjectScalar } from '../json.scalar';

// Friendly fields for the common cases, and the untouched FHIR resource in `resource`
// for everything else. Models are plain objects built by clinical.mappers.ts.

@ObjectType('Coding', { description: 'A FHIR Coding: the first coding of a CodeableConcept' })
export class CodingModel {
  @Field(() => String, { nullable: true }) system!: string | null;
  @Field(() => String, { nullable: true }) code!: string | null;
  @Field(() => String, { nullable: true }) display!: string | null;
}

/** Every clinical model remembers the connection it came from; nested fields search that connection. */
@ObjectType({ isAbstract: true })
abstract class ClinicalModel {
  @Field(() => ID) id!: string;
  @Field(() => JSONObjectScalar, { description: 'The FHIR R4 resource, as the gateway normalized it' }) resource!: Record<string, unknown>;
  connectionId!: string;
}

@ObjectType('Patient', { description: 'A FHIR Patient' })
export class PatientModel extends ClinicalModel {
  @Field(() => String, { nullable: true, description: 'The identifier typed MR (medical record number), else the first identifier' }) mrn!: string | null;
  @Field(() => String, { nullable: true, description: 'Given names and family name of the official (else first) name' }) name!: string | null;
  @Field(() => String, { nullable: true }) family!: string | null;
  @Field(() => [String]) given!: string[];
  @Field(() => String, { nullable: true }) birthDate!: string | null;
  @Field(() => String, { nullable: true }) gender!: string | null;
}

@ObjectType('Observation', { description: 'A FHIR Observation (vital sign, lab result, …)' })
export class ObservationModel extends ClinicalModel {
  @Field(() => CodingModel, { nullable: true }) code!: CodingModel | null;
  @Field(() => String, { nullable: true, description: 'code.text, else the display of its coding' }) display!: string | null;
  @Field(() => String, { nullable: true, description: 'The first category code (vital-signs, laboratory, …)' }) category!: string | null;
  @Field(() => String, { nullable: true, description: 'effective[x] (the start of a period), else issued' }) effective!: string | null;
  @Field(() => String, { nullable: true, description: 'value[x] as text; for panels (blood pressure) the component values joined by /' }) value!: string | null;
  @Field(() => String, { nullable: true }) unit!: string | null;
  @Field(() => String, { nullable: true, description: 'e.g. "72 /min", "120/80 mm[Hg]"' }) valueWithUnit!: string | null;
  @Field(() => String, { nullable: true, description: 'e.g. High, Low, Normal' }) interpretation!: string | null;
  @Field(() => String, { nullable: true, description: 'e.g. "3.5–5.1 mmol/L"' }) referenceRange!: string | null;
  @Field() status!: string;
}

@ObjectType('Condition', { description: 'A FHIR Condition (problem list item, diagnosis)' })
export class ConditionModel extends ClinicalModel {
  @Field(() => CodingModel, { nullable: true }) code!: CodingModel | null;
  @Field(() => String, { nullable: true }) display!: string | null;
  @Field(() => String, { nullable: true, description: 'active, resolved, …' }) clinicalStatus!: string | null;
  @Field(() => String, { nullable: true }) verificationStatus!: string | null;
  @Field(() => String, { nullable: true }) category!: string | null;
  @Field(() => String, { nullable: true }) onset!: string | null;
  @Field(() => String, { nullable: true }) recordedDate!: string | null;
}

@ObjectType('AllergyIntolerance', { description: 'A FHIR AllergyIntolerance' })
export class AllergyIntoleranceModel extends ClinicalModel {
  @Field(() => CodingModel, { nullable: true }) code!: CodingModel | null;
  @Field(() => String, { nullable: true }) display!: string | null;
  @Field(() => String, { nullable: true }) clinicalStatus!: string | null;
  @Field(() => String, { nullable: true }) verificationStatus!: string | null;
  @Field(() => String, { nullable: true, description: 'low, high, unable-to-assess' }) criticality!: string | null;
  @Field(() => [String], { description: 'food, medication, environment, biologic' }) categories!: string[];
  @Field(() => [String], { description: 'Reaction manifestations' }) reactions!: string[];
  @Field(() => String, { nullable: true }) recordedDate!: string | null;
}

@ObjectType('MedicationRequest', { description: 'A FHIR MedicationRequest (prescription, order)' })
export class MedicationRequestModel extends ClinicalModel {
  @Field(() => CodingModel, { nullable: true }) code!: CodingModel | null;
  @Field(() => String, { nullable: true, description: 'The medication: its text, coding display or reference display' }) medication!: string | null;
  @Field() status!: string;
  @Field(() => String, { nullable: true }) intent!: string | null;
  @Field(() => String, { nullable: true }) authoredOn!: string | null;
  @Field(() => String, { nullable: true, description: 'The first dosage instruction, as text' }) dosage!: string | null;
  @Field(() => String, { nullable: true }) requester!: string | null;
}

@ObjectType('Encounter', { description: 'A FHIR Encounter (visit)' })
export class EncounterModel extends ClinicalModel {
  @Field() status!: string;
  @Field(() => String, { nullable: true, description: 'class: AMB, VR (virtual), IMP, … (display when given)' }) class!: string | null;
  @Field(() => String, { nullable: true }) type!: string | null;
  @Field(() => String, { nullable: true }) start!: string | null;
  @Field(() => String, { nullable: true }) end!: string | null;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => String, { nullable: true }) location!: string | null;
}

@ObjectType('Appointment', { description: 'A FHIR Appointment' })
export class AppointmentModel extends ClinicalModel {
  @Field() status!: string;
  @Field(() => String, { nullable: true }) start!: string | null;
  @Field(() => String, { nullable: true }) end!: string | null;
  @Field(() => Int, { nullable: true }) minutesDuration!: number | null;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => String, { nullable: true }) serviceType!: string | null;
  @Field(() => [String], { description: 'Participants: display, else reference' }) participants!: string[];
}

@ObjectType('Slot', { description: 'A FHIR Slot: open time in a schedule that an appointment can be booked into' })
export class SlotModel extends ClinicalModel {
  @Field({ description: 'free, busy, …' }) status!: string;
  @Field(() => String, { nullable: true }) start!: string | null;
  @Field(() => String, { nullable: true }) end!: string | null;
  @Field(() => Int, { nullable: true, description: 'From start and end' }) minutesDuration!: number | null;
  @Field(() => String, { nullable: true, description: 'The appointment type (or service type) the slot is for' }) appointmentType!: string | null;
  @Field(() => String, { nullable: true, description: 'The schedule: display, else reference' }) schedule!: string | null;
  @Field(() => String, { nullable: true }) comment!: string | null;
}

@ObjectType('DocumentReference', { description: 'A FHIR DocumentReference (clinical note, document)' })
export class DocumentReferenceModel extends ClinicalModel {
  @Field() status!: string;
  @Field(() => String, { nullable: true, description: 'e.g. Progress note' }) type!: string | null;
  @Field(() => String, { nullable: true, description: 'e.g. clinical-note' }) category!: string | null;
  @Field(() => String, { nullable: true }) date!: string | null;
  @Field(() => String, { nullable: true, description: 'description, else the attachment title' }) title!: string | null;
  @Field(() => String, { nullable: true }) author!: string | null;
  @Field(() => String, { nullable: true }) contentType!: string | null;
  @Field(() => String, { nullable: true, description: 'The attachment URL when the content is not inline' }) url!: string | null;
  @Field(() => String, { nullable: true, description: 'The decoded text of an inline text/plain attachment' }) text!: string | null;
}

@ObjectType('DiagnosticReport', { description: 'A FHIR DiagnosticReport (lab panel, imaging report)' })
export class DiagnosticReportModel extends ClinicalModel {
  @Field(() => CodingModel, { nullable: true }) code!: CodingModel | null;
  @Field(() => String, { nullable: true }) display!: string | null;
  @Field() status!: string;
  @Field(() => String, { nullable: true }) category!: string | null;
  @Field(() => String, { nullable: true }) effective!: string | null;
  @Field(() => String, { nullable: true }) issued!: string | null;
  @Field(() => String, { nullable: true }) conclusion!: string | null;
  @Field(() => [String], { description: 'Ids of the result Observations' }) resultIds!: string[];
}

@ObjectType('Immunization', { description: 'A FHIR Immunization (a vaccine given, or not given)' })
export class ImmunizationModel extends ClinicalModel {
  @Field(() => CodingModel, { nullable: true, description: 'vaccineCode (CVX)' }) code!: CodingModel | null;
  @Field(() => String, { nullable: true }) display!: string | null;
  @Field(() => String, { description: 'completed, entered-in-error, not-done' }) status!: string;
  @Field(() => String, { nullable: true }) occurrence!: string | null;
  @Field(() => String, { nullable: true }) lotNumber!: string | null;
  @Field(() => String, { nullable: true, description: 'e.g. "0.5 mL"' }) dose!: string | null;
}

@ObjectType('ClinicalPageInfo', { description: 'Paging of a clinical search' })
export class ClinicalPageInfoModel {
  @Field() hasNextPage!: boolean;
  @Field(() => String, { nullable: true, description: "Opaque gateway cursor for `after` (never the vendor's URL)" }) endCursor!: string | null;
}

export interface Page<T> {
  nodes: T[];
  pageInfo: ClinicalPageInfoModel;
  total: number | null;
}

/** `<Type>Connection { nodes, pageInfo, total }` for one node type. */
function connectionOf<T>(node: Type<T>): Type<Page<T>> {
  @ObjectType({ isAbstract: true })
  abstract class ConnectionType implements Page<T> {
    @Field(() => [node]) nodes!: T[];
    @Field(() => ClinicalPageInfoModel) pageInfo!: ClinicalPageInfoModel;
    @Field(() => Int, { nullable: true, description: 'Total matches, when the EHR reports it' }) total!: number | null;
  }
  return ConnectionType as Type<Page<T>>;
}

@ObjectType('PatientConnection') export class PatientConnection extends connectionOf(PatientModel) {}
@ObjectType('ObservationConnection') export class ObservationConnection extends connectionOf(ObservationModel) {}
@ObjectType('ConditionConnection') export class ConditionConnection extends connectionOf(ConditionModel) {}
@ObjectType('AllergyIntoleranceConnection') export class AllergyIntoleranceConnection extends connectionOf(AllergyIntoleranceModel) {}
@ObjectType('MedicationRequestConnection') export class MedicationRequestConnection extends connectionOf(MedicationRequestModel) {}
@ObjectType('EncounterConnection') export class EncounterConnection extends connectionOf(EncounterModel) {}
@ObjectType('AppointmentConnection') export class AppointmentConnection extends connectionOf(AppointmentModel) {}
@ObjectType('DocumentReferenceConnection') export class DocumentReferenceConnection extends connectionOf(DocumentReferenceModel) {}
@ObjectType('DiagnosticReportConnection') export class DiagnosticReportConnection extends connectionOf(DiagnosticReportModel) {}
@ObjectType('ImmunizationConnection') export class ImmunizationConnection extends connectionOf(ImmunizationModel) {}
